using System.Diagnostics;
using CustomGpt.LlamaCpp;
using CustomGpt.ModelApi.Hosting;
using CustomGpt.ModelApi.Models;

namespace CustomGpt.ModelApi.Tests.Models;

/// <summary>Local models are refused at start when their estimate does not fit in the container's memory.</summary>
public class ModelMemoryTests
{
    static string TempFile(string text)
    {
        var file = Path.Combine(System.IO.Directory.CreateTempSubdirectory("customgpt-memory-").FullName, "file");
        File.WriteAllText(file, text);
        return file;
    }

    static string TwoModelsConfig(int alphaParallel = 4) => TempFile($$"""
        model_list:
          - { model_name: alpha, litellm_params: { model: gguf/{{TestModels.Tiny}}, parallel: {{alphaParallel}} } }
          - { model_name: beta, litellm_params: { model: gguf/{{TestModels.Wide}}, parallel: 1, context_size: 128 } }
          - { model_name: alias, litellm_params: { model: gguf/{{TestModels.Wide}}, parallel: 1, context_size: 128 } }
        """);

    [Fact]
    public void The_containers_limit_is_read_from_memory_max()
    {
        Assert.Equal(1L << 30, ModelMemory.ContainerLimit(TempFile("1073741824\n")));
        Assert.Null(ModelMemory.ContainerLimit(TempFile("max\n")));
        Assert.Null(ModelMemory.ContainerLimit("/no/such/memory.max"));
    }

    [Fact]
    public void The_estimate_is_the_file_and_a_KV_cache_for_every_lane()
    {
        var settings = ApiServer.ReadSettings(("MODELS_CONFIG", TwoModelsConfig()));
        var estimates = ModelMemory.EnsureFits(settings, limitBytes: null);
        Assert.Equal(2, estimates.Count); // one file under two names is loaded once
        var (alpha, beta) = (estimates[0], estimates[1]);
        Assert.Equal(("'alpha'", "'beta', 'alias'"), (alpha.Names, beta.Names));
        Assert.Equal(new FileInfo(TestModels.Tiny).Length, alpha.WeightsBytes);
        // The tiny shape: 2 layers, 2 KV heads of 16 values for keys and values, f16: 128 bytes per cell and layer.
        Assert.Equal(2L * (512 * 4) * 2 * (16 + 16) * 2, alpha.KvCacheBytes);
        Assert.Equal(2L * (128 * 1) * 2 * (16 + 16) * 2, beta.KvCacheBytes);
        // A quantized cache costs 34 bytes per 32 values.
        var q8 = ModelMemory.EnsureFits(ApiServer.ReadSettings(("MODELS_CONFIG", TwoModelsConfig()), ("KV_CACHE_TYPE", "q8_0")), null);
        Assert.Equal(alpha.KvCacheBytes / 2 * 34 / 32, q8[0].KvCacheBytes);
    }

    [Fact]
    public void What_does_not_fit_is_refused_naming_the_models_and_figures()
    {
        var settings = ApiServer.ReadSettings(("MODELS_CONFIG", TwoModelsConfig()));
        var need = ModelMemory.ProcessBytes + ModelMemory.EnsureFits(settings, null).Sum(e => e.TotalBytes);
        ModelMemory.EnsureFits(settings, need); // exactly enough
        var e = Assert.Throws<InvalidSettingsException>(() => ModelMemory.EnsureFits(settings, need - 1));
        Assert.Contains($"need about {ModelMemory.MiB(need)}", e.Message, StringComparison.Ordinal);
        Assert.Contains("'alpha': ", e.Message, StringComparison.Ordinal);
        Assert.Contains("'beta', 'alias': ", e.Message, StringComparison.Ordinal);
        Assert.Contains("KV cache", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_process_exits_with_code_2_when_the_models_do_not_fit()
    {
        var info = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "ModelApi.dll")])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = AppContext.BaseDirectory,
        };
        info.Environment["PORT"] = "0";
        info.Environment["MODELS_CONFIG"] = TwoModelsConfig(alphaParallel: 64);
        info.Environment["MEMORY_LIMIT_MB"] = "100";
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(2, process.ExitCode);
        var message = await stderr;
        Assert.Contains("and the container has 100 MiB", message, StringComparison.Ordinal);
        Assert.Contains("'alpha': ", message, StringComparison.Ordinal);
    }
}
