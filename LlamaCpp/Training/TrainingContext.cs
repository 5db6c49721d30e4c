using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CustomGpt.LlamaCpp.Native;

namespace CustomGpt.LlamaCpp.Training;

/// <summary>AdamW settings that stay fixed for a run; the learning rate comes per step from a schedule.</summary>
public sealed record AdamWSettings
{
    public float Beta1 { get; init; } = 0.9f;
    public float Beta2 { get; init; } = 0.99f;
    public float Epsilon { get; init; } = 1e-8f;
    public float WeightDecay { get; init; }
}

/// <summary>
/// An F32 llama model loaded for training plus a context running llama.cpp's own optimizer
/// (llama_opt_init / llama_opt_epoch, AdamW). Each window of <see cref="ContextLength"/> tokens is one
/// optimizer step. Everything llama.cpp would assert on is checked here first. Not thread-safe.
/// </summary>
/// <remarks>
/// Two fixes from ../shared/notes/llama-native.md are built in: the optimizer-params callback clears
/// the gradients (this llama.cpp build does not between steps), and one decode runs before training
/// so the context's thread count applies to the training graphs too.
/// </remarks>
public sealed unsafe class TrainingContext : IDisposable
{
    // llama_opt_epoch's callbacks carry no user data; they run on the calling thread.
    [ThreadStatic] static TrainingContext? running;

    readonly Func<long, float> learningRate;
    readonly AdamWSettings adamw;
    GCHandle self;
    nint model, context, optContext;
    Exception? callbackError;
    float lastRate;

    TrainingContext(Func<long, float> learningRate, AdamWSettings adamw)
    {
        this.learningRate = learningRate;
        this.adamw = adamw;
    }

    /// <summary>Window length: tokens per training example and per optimizer step.</summary>
    public int ContextLength { get; private set; }
    public int VocabSize { get; private set; }
    public int Threads { get; private set; }
    public ulong ParameterCount => NativeMethods.llama_model_n_params(model);

    /// <summary>Optimizer steps taken by this context (the schedule's step counter starts here).</summary>
    public long Steps { get; private set; }

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
        GgufFile.EnsureLooksValid(modelPath);
        LlamaBackend.EnsureInitialized();

        var t = new TrainingContext(learningRate, adamw) { Steps = firstStep, Threads = threads };
        try
        {
            t.Load(modelPath, contextLength, threads);
            return t;
        }
        catch
        {
            t.Dispose();
            throw;
        }
    }

    void Load(string modelPath, int contextLength, int threads)
    {
        var mp = NativeMethods.llama_model_default_params();
        mp.n_gpu_layers = 0;
        mp.load_mode = NativeMethods.LoadModeNone; // training writes the weights: no mmap
        model = NativeMethods.llama_model_load_from_file(modelPath, mp);
        if (model == 0) throw new LlamaException($"llama.cpp could not load '{Path.GetFileName(modelPath)}' for training (see its log lines).");
        var ftype = NativeMethods.llama_model_ftype(model);
        if (ftype != 0) throw new LlamaException($"Training needs an F32 model; '{Path.GetFileName(modelPath)}' has file type {ftype}.");
        VocabSize = NativeMethods.llama_vocab_n_tokens(NativeMethods.llama_model_get_vocab(model));

        var cp = NativeMethods.llama_context_default_params();
        cp.n_ctx = (uint)contextLength;
        cp.n_batch = (uint)contextLength; // n_ctx % n_batch == 0 and n_batch % n_ubatch == 0, one step per window
        cp.n_ubatch = (uint)contextLength;
        cp.n_seq_max = 1;
        cp.n_threads = threads;
        cp.n_threads_batch = threads;
        cp.type_k = 0; // F32: the backward pass needs it
        cp.type_v = 0;
        cp.flash_attn_type = NativeMethods.FlashAttentionDisabled; // FLASH_ATTN_EXT has no backward pass
        cp.no_perf = 1;
        context = NativeMethods.llama_init_from_model(model, cp);
        if (context == 0) throw new LlamaException("llama.cpp could not create a training context (see its log lines).");
        ContextLength = (int)NativeMethods.llama_n_ctx(context);
        if (ContextLength != contextLength) throw new LlamaException($"llama.cpp made a context of {ContextLength}, not {contextLength}.");
        Threads = threads;

        // Without one decode first, the training graphs run on llama.cpp's default thread count.
        var batch = NativeMethods.llama_batch_init(1, 0, 1);
        try
        {
            batch.n_tokens = 1;
            batch.token[0] = Math.Min(1, VocabSize - 1);
            batch.pos[0] = 0;
            batch.n_seq_id[0] = 1;
            batch.seq_id[0][0] = 0;
            batch.logits[0] = 1;
            var rc = NativeMethods.llama_decode(context, batch);
            if (rc != 0) throw new LlamaException($"The warm-up decode failed ({rc}).");
        }
        finally
        {
            NativeMethods.llama_batch_free(batch);
        }
        NativeMethods.llama_memory_clear(NativeMethods.llama_get_memory(context), true);

        self = GCHandle.Alloc(this);
        NativeMethods.llama_opt_init(context, model, new LlamaOptParams
        {
            n_ctx_train = (uint)contextLength,
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
        ObjectDisposedException.ThrowIf(context == 0, this);
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
            if (train) NativeMethods.llama_opt_epoch(context, dataset, result, 0, windows, callback, null);
            else NativeMethods.llama_opt_epoch(context, dataset, 0, result, 0, null, callback);
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
        ObjectDisposedException.ThrowIf(context == 0, this);
        File.Delete(path);
        NativeMethods.llama_model_save_to_file(model, path);
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
                    var r = t.learningRate(t.Steps);
                    if (float.IsFinite(r) && r > 0) rate = r;
                    else t.callbackError ??= new InvalidOperationException($"step {t.Steps}: the learning rate {r} is not positive and finite.");
                }
                catch (Exception e)
                {
                    t.callbackError ??= e;
                }
                t.lastRate = rate;
                t.Steps++;
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
        if (context != 0) NativeMethods.llama_free(context);
        context = 0;
        if (model != 0) NativeMethods.llama_model_free(model);
        model = 0;
        if (self.IsAllocated) self.Free();
    }
}
