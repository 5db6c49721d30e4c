using MudBlazor;

namespace CustomGpt.Dashboard.Components.Layout;

/// <summary>The Dashboard's MudBlazor theme, and the reader's light/dark choice (remembered in a cookie; none: follow the system).</summary>
public static class ThemeChoice
{
    public const string Cookie = "customgpt.theme";
    public const string Cascade = "RememberedTheme";
    public const string Dark = "dark";
    public const string Light = "light";

    /// <summary>True or false when the reader chose; null when the page follows the system setting.</summary>
    public static bool? DarkFrom(string? remembered) => remembered switch
    {
        Dark => true,
        Light => false,
        _ => null,
    };

    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight { Primary = "#4340d2", AppbarBackground = "#4340d2" },
        PaletteDark = new PaletteDark { Primary = "#9d9bf5", AppbarBackground = "#1e1e2d" },
    };
}
