namespace CustomGpt.LlamaCpp.Tests;

/// <summary>Disposing native objects while other threads still use them: the free waits for the calls
/// in flight, and later calls throw ObjectDisposedException. Before, this was a SIGSEGV that took
/// the whole test process down.</summary>
public class DisposalTests(TinyModel tiny) : IClassFixture<TinyModel>
{
    [Fact]
    public void A_model_disposed_while_other_threads_tokenize_never_crashes_the_process()
    {
        // Each call takes a few milliseconds; four threads keep calls overlapping, so the handle never runs out of
        // references by itself. That once let every call after Dispose through until, by chance, none overlapped
        // (a minute and more on a busy machine). Now each thread stops at its first call after Dispose.
        var text = string.Concat(Enumerable.Repeat("the quick brown fox jumps over a lazy dog. ", 500));
        for (var round = 0; round < 5; round++)
        {
            var model = LlamaModel.Load(tiny.Path);
            var disposed = 0;
            var completed = new int[4];
            var servedAfterDispose = new int[4];
            var errors = new Exception?[4];
            var threads = Enumerable.Range(0, 4).Select(i => new Thread(() =>
            {
                try
                {
                    while (true)
                    {
                        var afterDispose = Volatile.Read(ref disposed) == 1;
                        Assert.NotEmpty(model.Tokenize(text));
                        if (afterDispose) servedAfterDispose[i]++;
                        Interlocked.Increment(ref completed[i]);
                    }
                }
                catch (ObjectDisposedException)
                {
                    // the model is gone: a managed error, not freed memory
                }
                catch (Exception e)
                {
                    errors[i] = e;
                }
            })).ToArray();
            foreach (var t in threads) t.Start();
            // Dispose while every thread is inside or between native calls.
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1); // a hang guard, not a timing assertion
            while (Enumerable.Range(0, 4).Any(i => Volatile.Read(ref completed[i]) == 0 && errors[i] is null))
            {
                if (DateTime.UtcNow > deadline) Assert.Fail("Not every thread finished a first Tokenize within a minute.");
                Thread.Sleep(1);
            }
            model.Dispose();
            Volatile.Write(ref disposed, 1);
            foreach (var t in threads) Assert.True(t.Join(TimeSpan.FromMinutes(1)), "A tokenizing thread did not stop within a minute of the model's Dispose.");
            Assert.All(errors, Assert.Null);
            Assert.All(servedAfterDispose, n => Assert.Equal(0, n)); // a call that starts after Dispose is refused
        }
    }

    [Fact]
    public void A_context_keeps_its_model_alive_and_calls_after_dispose_throw()
    {
        var model = LlamaModel.Load(tiny.Path);
        var context = LlamaContext.Create(model, new ContextOptions { SequenceContextSize = 64, Threads = 1, BatchSize = 32 });
        using var batch = new TokenBatch(32);
        var sampler = TokenSampler.Create(model, new SamplingOptions { Seed = 1 });
        var token = model.Tokenize("the")[0];
        model.Dispose(); // the context still holds the model: decoding goes on safely
        Assert.Throws<ObjectDisposedException>(() => model.Tokenize("the")); // but the model itself takes no new call
        batch.Add(token, 0, 0, wantLogits: true);
        context.Decode(batch);
        Assert.InRange(sampler.Sample(context, 0), 0, model.VocabSize - 1);

        context.Dispose();
        sampler.Dispose();
        Assert.Throws<ObjectDisposedException>(() => context.Decode(batch));
        Assert.Throws<ObjectDisposedException>(() => context.ClearSequence(0));
        Assert.Throws<ObjectDisposedException>(() => model.Tokenize("the"));
    }
}

public class NativeHeapTests
{
    [Fact]
    public void Glibc_takes_the_fixed_mmap_threshold_so_large_native_buffers_go_back_to_the_system()
    {
        LlamaBackend.EnsureInitialized();
        Assert.True(LlamaBackend.HeapTuned);
    }
}
