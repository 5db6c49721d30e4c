namespace CustomGpt.Dashboard.Components.Parameters;

/// <summary>The seed and temperature choices both pages offer (Custom GPT's parameters, Chat's settings),
/// so one pair of controls serves both.</summary>
public interface ISeedAndTemperature
{
    /// <summary>True: no seed is sent, the API picks one and reports it.</summary>
    bool RandomSeed { get; set; }
    long Seed { get; set; }
    double Temperature { get; set; }
}
