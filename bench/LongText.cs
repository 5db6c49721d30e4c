using System.Net.Http.Json;
using CustomGpt.Tests.Shared;

namespace CustomGpt.Bench;

/// <summary>
/// Does text stay as good past the context? The default model (context 512) writes 300 and 3,000
/// characters at the same seeds; the share of real words is compared, and how often the window moved.
/// </summary>
static class LongText
{
    public static async Task RunAsync(string modelPath, int threads, int seeds)
    {
        using var served = new ServedLoop(modelPath, threads, parallel: 1, ("CONTEXT_SIZE", "512"));
        Console.WriteLine($"model: {Path.GetFileName(modelPath)}, {threads} threads, temperature 0.8, seeds 1..{seeds}");
        Console.WriteLine("| characters | real-word share (mean) | lowest | context shifts (mean) | tokens/s (median) |");
        Console.WriteLine("| --- | --- | --- | --- | --- |");
        foreach (var length in new[] { 300, 3000 })
        {
            var runs = new List<(double Share, int Shifts, double Speed)>();
            for (var seed = 1; seed <= seeds; seed++)
            {
                using var response = await served.Http.PostAsJsonAsync("/generate",
                    new GenerateRequest { Seed = seed, Temperature = 0.8, NumChars = length, IgnoreEos = true }, ModelApiJson.Options);
                response.EnsureSuccessStatusCode();
                var result = (await response.Content.ReadFromJsonAsync<GenerateResponse>(ModelApiJson.Options))!;
                runs.Add((KnownWords.Share(result.GeneratedText, cutOff: true), result.Timings.ContextShifts, result.Timings.TokensPerSecond));
            }
            var speeds = runs.Select(r => r.Speed).Order().ToList();
            Console.WriteLine($"| {length:N0} | {runs.Average(r => r.Share):P1} | {runs.Min(r => r.Share):P1} | {runs.Average(r => r.Shifts):F1} | {speeds[speeds.Count / 2]:F0} |");
        }
    }
}
