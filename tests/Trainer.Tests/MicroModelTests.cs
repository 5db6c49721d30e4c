using System.Xml.Linq;
using CustomGpt.LlamaCpp;
using CustomGpt.LlamaCpp.Gguf;
using CustomGpt.Trainer.Training;

namespace CustomGpt.Trainer.Tests;

/// <summary>One micro model trained once for the class: 48 steps of the tiny preset on 24,000 characters.</summary>
public sealed class MicroModel : IDisposable
{
    public MicroModel()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("customgpt-trainer-tests-").FullName;
        TextPath = TestTexts.WriteTemp(Directory, "sentences.txt", TestTexts.Sentences(24_000));
        Log = new CapturingWriter();
        Result = TrainerRunner.Train(Log, default,
            "--text", TextPath, "--out", Path.Combine(Directory, "micro.gguf"), "--preset", "tiny",
            "--steps", "48", "--eval-every", "12", "--lr", "0.01", "--threads", "2", "--seed", "5");
    }

    public string Directory { get; }
    public string TextPath { get; }
    public CapturingWriter Log { get; }
    public TrainResult Result { get; }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}

public sealed class MicroModelTests(MicroModel micro) : IClassFixture<MicroModel>
{
    [Fact]
    public void Validation_loss_falls_well_below_the_random_start()
    {
        var s = micro.Result.State;
        Assert.Equal(48, s.Step);
        Assert.NotNull(s.InitialValidationLoss);
        Assert.NotNull(s.LastValidationLoss);
        // Random weights score about ln(vocabulary) = 5.7 nats; a character model of this text gets far below.
        Assert.True(s.InitialValidationLoss > 5, $"initial {s.InitialValidationLoss}");
        Assert.True(s.LastValidationLoss < s.InitialValidationLoss - 2, $"validation {s.InitialValidationLoss} -> {s.LastValidationLoss}\n{micro.Log}");
        var val = s.Curve.Where(p => p.ValidationLoss is not null).Select(p => p.ValidationLoss!.Value).ToList();
        Assert.True(val.Count >= 5, "validated at step 0 and every 12 steps");
        Assert.True(val[^1] < val[1] && val[1] < val[0], string.Join(", ", val));
    }

    [Fact]
    public void Progress_lines_show_step_loss_validation_speed_and_time_left()
    {
        var line = micro.Log.Lines.First(l => l.StartsWith("step 12/48", StringComparison.Ordinal));
        Assert.Matches(@"^step 12/48  epoch 1 \(\d+%\)  loss \d+\.\d{3}  val \d+\.\d{3}  lr \d\.\d\de-\d  [\d,]+ tok/s  elapsed \d+:\d\d  left \d+:\d\d$", line);
    }

    [Fact]
    public void The_model_loads_with_its_metadata_and_generates_the_same_text_for_the_same_seed()
    {
        using var model = LlamaModel.Load(micro.Result.OutputPath);
        Assert.Equal("micro", model.Metadata("general.name"));
        Assert.Equal("0", model.Metadata("general.file_type")); // all F32
        Assert.Equal("256", model.Metadata("llama.context_length"));
        Assert.Equal(256, model.TrainedContextLength);
        Assert.Null(model.Metadata(TrainingState.MetadataKey)); // the training state stays in the checkpoint
        Assert.StartsWith("Character-level llama model trained by CustomGpt", model.Metadata("general.description"), StringComparison.Ordinal);

        var a = SampleGenerator.Generate(model, "", 120, seed: 7, threads: 2);
        var b = SampleGenerator.Generate(model, "", 120, seed: 7, threads: 2);
        Assert.Equal(a, b);
        Assert.Equal(120, a.EnumerateRunes().Count());
    }

    [Fact]
    public void Llama_cpp_tokenizes_text_exactly_as_the_trainer_did()
    {
        var corpus = CharCorpus.Load(micro.TextPath);
        using var model = LlamaModel.Load(micro.Result.OutputPath);
        var text = corpus.Text[..2000];
        Assert.Equal(corpus.Encode(text), model.Tokenize(text, addSpecial: true));
        Assert.Equal(text, model.Detokenize(corpus.Encode(text)));
        Assert.Equal(corpus.Vocabulary.Count, model.VocabSize);
        Assert.Equal(Vocabulary.Bos, model.BosToken);
    }

    [Fact]
    public void The_checkpoint_is_a_loadable_model_that_carries_the_training_state()
    {
        var state = TrainingState.FromCheckpoint(micro.Result.CheckpointPath);
        Assert.Equal(48, state.Step);
        Assert.Equal("tiny", state.Preset);
        Assert.Equal(PlanKind.Steps, state.Plan.Kind);
        Assert.Equal(micro.Result.State.LastValidationLoss, state.LastValidationLoss);
        using var model = LlamaModel.Load(micro.Result.CheckpointPath);
        Assert.Equal(256, model.TrainedContextLength);
    }

    [Fact]
    public void The_report_and_loss_curve_describe_the_run()
    {
        var report = File.ReadAllText(micro.Result.ReportPath);
        Assert.Equal(Path.ChangeExtension(micro.Result.OutputPath, null) + ".report.md", micro.Result.ReportPath);
        foreach (var expected in new[] { "# Training report: micro", "24,0", "## Loss per epoch", "preset `tiny`", "## Samples", "Prompt (empty)", "micro.loss.svg", "--steps 48" })
            Assert.Contains(expected, report, StringComparison.Ordinal);
        Assert.Contains($"**{micro.Result.State.LastValidationLoss:F3}**", report, StringComparison.Ordinal);
        Assert.Equal(3, micro.Result.Samples.Count);

        var svg = XDocument.Load(micro.Result.CurvePath);
        XNamespace ns = "http://www.w3.org/2000/svg";
        var lines = svg.Descendants(ns + "polyline").ToList();
        Assert.Equal(2, lines.Count); // training and validation
        Assert.True(lines[0].Attribute("points")!.Value.Split(' ').Length >= 4);
    }

    [Fact]
    public async Task ModelApi_serves_the_trained_model()
    {
        using var api = new ModelApiServer(micro.Result.OutputPath);
        var text = await api.GenerateAsync(new { seed = 42, temperature = 0.8, num_chars = 100 });
        Assert.Equal(100, text.EnumerateRunes().Count());
        Assert.Equal(text, await api.GenerateAsync(new { seed = 42, temperature = 0.8, num_chars = 100 }));
    }
}
