using System.Diagnostics;
using System.Globalization;
using CustomGpt.Bench;
using LLama;
using LLama.Common;
using LLama.Native;

// Started by `bench -- --llamasharp` with: MODEL THREADS PROMPT. The loop of the bench's DirectLoop on
// LLamaSharp: one sequence, a 2,048-token context, weights read (not mapped), flash attention off,
// greedy sampling with end-of-generation tokens barred, the whole prompt in one batch.
if (args.Length != 3) throw new ArgumentException("usage: LlamaSharpRun MODEL THREADS PROMPT");
var (modelPath, threads, prompt) = (args[0], int.Parse(args[1], CultureInfo.InvariantCulture), args[2]);

// stdout carries the protocol: llama.cpp's log lines go nowhere.
NativeLibraryConfig.All.WithLogCallback((_, _) => { });
var parameters = new ModelParams(modelPath)
{
    ContextSize = 2048,
    SeqMax = 1,
    BatchSize = 512,
    UBatchSize = 512,
    Threads = threads,
    BatchThreads = threads,
    GpuLayerCount = 0,
    LoadMode = LLamaLoadMode.None,
    FlashAttention = false,
};
using var weights = LLamaWeights.LoadFromFile(parameters);
using var context = weights.CreateContext(parameters);
var handle = context.NativeHandle;
var vocab = weights.NativeHandle.Vocab;
var endOfGeneration = Enumerable.Range(0, vocab.Count)
    .Where(t => ((LLamaToken)t).IsEndOfGeneration(vocab))
    .Select(t => new LLamaLogitBias { Token = t, Bias = float.NegativeInfinity }).ToArray();
var batch = new LLamaBatch();

// Warm-up, as the binding's loop does at start.
batch.Add(0, 0, LLamaSeqId.Zero, true);
handle.Decode(batch);
handle.MemoryClear(true);

SideBySideWorker.Serve(SideBySideWorker.Describe("LLamaSharp 0.30.0"), Run);

SideBySideRun Run(int tokens)
{
    using var sampler = SafeLLamaSamplerChainHandle.Create(LLamaSamplerChainParams.Default());
    if (endOfGeneration.Length > 0) sampler.AddLogitBias(vocab.Count, endOfGeneration);
    sampler.AddGreedySampler();
    var promptTokens = context.Tokenize(prompt, addBos: true, special: false);
    var generated = new List<int>(tokens);
    batch.Clear();
    for (var i = 0; i < promptTokens.Length; i++) batch.Add(promptTokens[i], i, LLamaSeqId.Zero, i == promptTokens.Length - 1);
    var start = Stopwatch.GetTimestamp();
    Check(handle.Decode(batch));
    var token = sampler.Sample(handle, batch.TokenCount - 1);
    var promptSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
    generated.Add((int)token);

    var genStart = Stopwatch.GetTimestamp();
    for (var i = 0; i < tokens - 1; i++)
    {
        batch.Clear();
        batch.Add(token, promptTokens.Length + i, LLamaSeqId.Zero, true);
        Check(handle.Decode(batch));
        token = sampler.Sample(handle, 0);
        generated.Add((int)token);
    }
    var genSeconds = Stopwatch.GetElapsedTime(genStart).TotalSeconds;
    handle.MemoryClear(true);
    return new SideBySideRun(promptTokens.Length / promptSeconds, (tokens - 1) / genSeconds,
        [.. promptTokens.Select(t => (int)t)], [.. generated]);
}

static void Check(DecodeResult result)
{
    if (result != DecodeResult.Ok) throw new InvalidOperationException($"llama_decode: {result}");
}
