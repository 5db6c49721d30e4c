using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace CustomGpt.Trainer;

/// <summary>Checks that System.CommandLine runs while parsing, so a bad value is a usage error (exit code 2) that
/// names its option, before any work starts. The Trainer's and the bench's command lines both use them.</summary>
public static class OptionRules
{
    /// <summary>The value must lie from <paramref name="min"/> to <paramref name="max"/> (NaN never does).</summary>
    public static Option<TNumber> Within<TNumber>(this Option<TNumber> option, TNumber min, TNumber max)
        where TNumber : struct, INumber<TNumber>
    {
        option.Validators.Add(result =>
        {
            if (!TryGetValue<TNumber>(result, out var value) || (value >= min && value <= max)) return;
            var kind = typeof(TNumber) == typeof(int) ? "a whole number" : "a number";
            result.AddError(string.Create(CultureInfo.InvariantCulture,
                $"{result.Option.Name} must be {kind} from {min} to {max} (got '{result.Tokens[0].Value}')."));
        });
        return option;
    }

    /// <summary>Adds a check of the given value (not of a default); <paramref name="problem"/> returns the message, or null.</summary>
    public static Option<T> Check<T>(this Option<T> option, Func<T, string?> problem)
    {
        option.Validators.Add(result =>
        {
            // One message per bad value: none when an earlier check already refused it.
            if (!result.Errors.Any() && TryGetValue<T>(result, out var value) && value is not null && problem(value) is { } message) result.AddError(message);
        });
        return option;
    }

    /// <summary>The value given on the command line (not a default). False when none was given or it did not convert:
    /// the parser reports that itself ("Cannot parse argument ... for option ...").</summary>
    static bool TryGetValue<T>(OptionResult result, out T? value)
    {
        value = default;
        if (result.Implicit || result.Tokens.Count == 0) return false;
        try
        {
            value = result.GetValueOrDefault<T>();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The option's value when it was given, else null ("the default, or the checkpoint's value").</summary>
    public static T? GetGivenValue<T>(this ParseResult result, Option<T> option) where T : struct =>
        result.GetResult(option) is { Implicit: false } ? result.GetValue(option) : null;

    /// <summary>A parse error as the trainer prints it: naming the option it belongs to.</summary>
    public static string Describe(ParseError error) =>
        Owner(error.SymbolResult) is { } option && !error.Message.Contains(option.Name, StringComparison.Ordinal)
            ? $"{option.Name}: {error.Message}"
            : error.Message;

    static Option? Owner(SymbolResult? result) => result switch
    {
        null => null,
        OptionResult o => o.Option,
        _ => Owner(result.Parent),
    };

    /// <summary>q8_0 or q4_0, as both commands spell it (any case).</summary>
    public static Option<string?> QuantizeOption(string description)
    {
        var option = new Option<string?>("--quantize") { Description = description, HelpName = "q8_0|q4_0" };
        option.AcceptOnlyFromAmong(StringComparer.OrdinalIgnoreCase, "q8_0", "q4_0");
        return option;
    }

    public static LlamaCpp.Quantization? Quantization(string? name) => name?.ToLowerInvariant() switch
    {
        null => null,
        "q8_0" => LlamaCpp.Quantization.Q8_0,
        "q4_0" => LlamaCpp.Quantization.Q4_0,
        var other => throw new ArgumentException($"--quantize must be q8_0 or q4_0 (got '{other}')."),
    };
}
