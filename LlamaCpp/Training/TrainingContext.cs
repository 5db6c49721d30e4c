using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CustomGpt.LlamaCpp.Native;

namespace CustomGpt.LlamaCpp.Training;

/// <summary>
/// An F32 llama model loaded for training plus a context running llama.cpp's own optimizer
/// (llama_opt_init / llama_opt_epoch, AdamW). Each window of <see cref="ContextLength"/> tokens is one
/// optimizer step. Everything llama.cpp would assert on is checked here first. Not thread-safe.
/// </summary>
/// <remarks>
/// Two workarounds for the pinned llama.cpp build are built in. It does not clear the gradients
/// between optimizer steps (its reset runs on a graph that is NULL for llama's rebuilt graphs), so
/// the loss would rise at any learning rate: the optimizer-params callback clears them before each
/// step. And its training graphs run on llama.cpp's default of 4 threads unless one decode has run
/// first (measured: 92 instead of 1,150 tokens/s): a one-token decode runs before training.
/// </remarks>
public sealed unsafe class TrainingContext : IDisposable
{
    // llama_opt_epoch's callbacks carry no user data; they run on the calling thread.
    [ThreadStatic] static TrainingContext? running;

    readonly Func<long, float> learningRate;
    readonly AdamWSettings adamw;
    readonly LlamaModel model;
    readonly LlamaContext context;
    GCHandle self;
    // ggml's optimizer context, made by llama_opt_init and owned by the llama context: it arrives in the
    // epoch callback and is used only inside llama_opt_epoch, while the context is leased.
    nint optContext;
    Exception? callbackError;
    float lastRate;
    long steps;
    bool disposed;

    TrainingContext(LlamaModel model, LlamaContext context, Func<long, float> learningRate, AdamWSettings adamw, long firstStep)
    {
        this.model = model;
        this.context = context;
        this.learningRate = learningRate;
        this.adamw = adamw;
        steps = firstStep;
    }

    /// <summary>Window length: tokens per training example and per optimizer step.</summary>
    public int ContextLength => context.SequenceContextSize;
    public int VocabSize => model.VocabSize;
    public ulong ParameterCount => model.ParameterCount;

    /// <summary>The learning rate of the latest step.</summary>
    public float LastLearningRate => lastRate;

    /// <param name="modelPath">An F32 GGUF of the llama architecture.</param>
    /// <param name="contextLength">A multiple of 256 (llama.cpp rounds contexts up to one).</param>
    /// <param name="learningRate">Step number (counting from <paramref name="firstStep"/>) to learning rate; must be positive.</param>
    public static TrainingContext Create(string modelPath, int contextLength, int threads, Func<long, float> learningRate,
        AdamWSettings? adamw = null, long firstStep = 0)
    {
        if (contextLength < 256 || contextLength % 256 != 0)
            throw new ArgumentOutOfRangeException(nameof(contextLength), contextLength, "The training context must be a positive multiple of 256.");
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(firstStep);
        ArgumentNullException.ThrowIfNull(learningRate);
        adamw ??= new AdamWSettings();
        // ggml asserts on these; an assert ends the whole process.
        if (!(adamw.Beta1 is >= 0 and <= 1) || !(adamw.Beta2 is >= 0 and <= 1) || !(adamw.Epsilon >= 0) || !(adamw.WeightDecay is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(adamw), adamw, "AdamW needs beta1, beta2 and weight decay in [0, 1] and epsilon >= 0.");

        // Training writes the weights: read into memory of their own (no mmap), in ggml's plain layout.
        var model = LlamaModel.Load(modelPath, new ModelLoadOptions { MapFile = false, RepackWeights = false });
        LlamaContext? context = null;
        TrainingContext? t = null;
        try
        {
            int ftype;
            using (var m = model.Lease()) ftype = NativeMethods.llama_model_ftype(m.Ptr);
            if (ftype != 0) throw new LlamaException($"Training needs an F32 model; '{Path.GetFileName(modelPath)}' has file type {ftype}.");
            context = LlamaContext.Create(model, TrainingParams(contextLength, threads));
            if (context.SequenceContextSize != contextLength)
                throw new LlamaException($"llama.cpp made a context of {context.SequenceContextSize}, not {contextLength}.");
            t = new TrainingContext(model, context, learningRate, adamw, firstStep);
            t.Start();
            return t;
        }
        catch
        {
            if (t is not null)
            {
                t.Dispose();
            }
            else
            {
                context?.Dispose();
                model.Dispose();
            }
            throw;
        }
    }

    static LlamaContextParams TrainingParams(int contextLength, int threads)
    {
        var p = NativeMethods.llama_context_default_params();
        p.n_ctx = (uint)contextLength;
        p.n_batch = (uint)contextLength; // n_ctx % n_batch == 0 and n_batch % n_ubatch == 0, one step per window
        p.n_ubatch = (uint)contextLength;
        p.n_seq_max = 1;
        p.n_threads = threads;
        p.n_threads_batch = threads;
        p.type_k = 0; // F32: the backward pass needs it
        p.type_v = 0;
        p.flash_attn_type = NativeMethods.FlashAttentionDisabled; // FLASH_ATTN_EXT has no backward pass
        p.no_perf = 1;
        return p;
    }

    void Start()
    {
        // Without one decode first, the training graphs run on llama.cpp's default thread count.
        using (var batch = new TokenBatch(1))
        {
            batch.Add(Math.Min(1, VocabSize - 1), position: 0, sequence: 0, wantLogits: true);
            context.Decode(batch);
        }
        context.ClearAll();

        self = GCHandle.Alloc(this);
        using var c = context.Lease();
        using var m = model.Lease();
        NativeMethods.llama_opt_init(c.Ptr, m.Ptr, new LlamaOptParams
        {
            n_ctx_train = (uint)ContextLength,
            param_filter = (nint)(delegate* unmanaged[Cdecl]<nint, nint, byte>)&TrainEverything,
            param_filter_ud = 0,
            get_opt_pars = (nint)(delegate* unmanaged[Cdecl]<nint, GgmlOptOptimizerParams>)&OptimizerParams,
            get_opt_pars_ud = GCHandle.ToIntPtr(self),
            optimizer_type = NativeMethods.OptimizerAdamW,
        });
    }

    /// <summary>One optimizer step per window. Returns the mean training loss (nats per token) over the windows.</summary>
    /// <param name="tokens">windows × <see cref="ContextLength"/> inputs.</param>
    /// <param name="labels">The same shape: the token that should follow each input.</param>
    public double Train(ReadOnlySpan<int> tokens, ReadOnlySpan<int> labels) => Run(tokens, labels, train: true);

    /// <summary>Mean loss over the windows without changing the weights.</summary>
    public double Evaluate(ReadOnlySpan<int> tokens, ReadOnlySpan<int> labels) => Run(tokens, labels, train: false);

    double Run(ReadOnlySpan<int> tokens, ReadOnlySpan<int> labels, bool train)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (tokens.Length == 0 || tokens.Length % ContextLength != 0)
            throw new ArgumentException($"Expected a whole number of {ContextLength}-token windows, got {tokens.Length} tokens.", nameof(tokens));
        if (labels.Length != tokens.Length) throw new ArgumentException("Labels must match the tokens one for one.", nameof(labels));
        CheckIds(tokens);
        CheckIds(labels);

        var windows = tokens.Length / ContextLength;
        var dataset = NativeMethods.ggml_opt_dataset_init(NativeMethods.GgmlTypeI32, NativeMethods.GgmlTypeI32, ContextLength, ContextLength, windows, 1);
        if (dataset == 0) throw new LlamaException("ggml could not allocate the training batch.");
        var result = NativeMethods.ggml_opt_result_init();
        try
        {
            tokens.CopyTo(new Span<int>((void*)NativeMethods.ggml_get_data(NativeMethods.ggml_opt_dataset_data(dataset)), tokens.Length));
            labels.CopyTo(new Span<int>((void*)NativeMethods.ggml_get_data(NativeMethods.ggml_opt_dataset_labels(dataset)), labels.Length));
            callbackError = null;
            running = this;
            var callback = (delegate* unmanaged[Cdecl]<byte, nint, nint, nint, long, long, long, void>)&AfterBatch;
            using (var c = context.Lease())
            {
                if (train) NativeMethods.llama_opt_epoch(c.Ptr, dataset, result, 0, windows, callback, null);
                else NativeMethods.llama_opt_epoch(c.Ptr, dataset, 0, result, 0, null, callback);
            }
            running = null;
            if (callbackError is { } e) throw new LlamaException("The learning-rate schedule failed: " + e.Message);
            long n;
            double loss, unc;
            NativeMethods.ggml_opt_result_ndata(result, &n);
            NativeMethods.ggml_opt_result_loss(result, &loss, &unc);
            if (n == 0) throw new LlamaException("llama.cpp evaluated nothing (see its log lines).");
            return loss;
        }
        finally
        {
            running = null;
            NativeMethods.ggml_opt_result_free(result);
            NativeMethods.ggml_opt_dataset_free(dataset);
        }
    }

    void CheckIds(ReadOnlySpan<int> ids)
    {
        foreach (var id in ids)
            if ((uint)id >= (uint)VocabSize) throw new ArgumentException($"Token id {id} is outside the vocabulary (0..{VocabSize - 1}).");
    }

    /// <summary>Writes the current weights as GGUF with llama.cpp's own saver (context length = training window,
    /// no general.file_type: <see cref="TrainedModelWriter"/> rewrites it cleanly).</summary>
    public void SaveRaw(string path)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        File.Delete(path);
        using (var m = model.Lease()) NativeMethods.llama_model_save_to_file(m.Ptr, path);
        if (!File.Exists(path) || new FileInfo(path).Length < 24) throw new LlamaException($"llama.cpp could not write '{path}' (see its log lines).");
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static byte TrainEverything(nint tensor, nint userData) => 1;

    // Called by ggml_opt_eval right before each optimizer step's compute. Never throws.
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static GgmlOptOptimizerParams OptimizerParams(nint userData)
    {
        var rate = 1e-4f;
        var p = new AdamWSettings();
        try
        {
            if (GCHandle.FromIntPtr(userData).Target is TrainingContext t)
            {
                p = t.adamw;
                // This llama.cpp build does not clear gradients between steps: do it before the compute.
                if (t.optContext != 0) NativeMethods.ggml_opt_reset(t.optContext, false);
                rate = t.lastRate > 0 ? t.lastRate : rate;
                try
                {
                    var r = t.learningRate(t.steps);
                    if (float.IsFinite(r) && r > 0) rate = r;
                    else t.callbackError ??= new InvalidOperationException($"step {t.steps}: the learning rate {r} is not positive and finite.");
                }
                catch (Exception e)
                {
                    t.callbackError ??= e;
                }
                t.lastRate = rate;
                t.steps++;
            }
        }
        catch
        {
            // Never unwind into native code; the defaults above are valid AdamW settings.
        }
        return new GgmlOptOptimizerParams
        {
            adamw_alpha = rate,
            adamw_beta1 = p.Beta1,
            adamw_beta2 = p.Beta2,
            adamw_eps = p.Epsilon,
            adamw_wd = p.WeightDecay,
            sgd_alpha = rate,
            sgd_wd = p.WeightDecay,
        };
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static void AfterBatch(byte train, nint optCtx, nint dataset, nint result, long batch, long batches, long startUs)
    {
        try
        {
            if (running is { } t) t.optContext = optCtx;
        }
        catch
        {
            // Never unwind into native code.
        }
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        context.Dispose(); // frees the optimizer context with it; then nothing calls back into this object
        model.Dispose();
        if (self.IsAllocated) self.Free();
    }
}
