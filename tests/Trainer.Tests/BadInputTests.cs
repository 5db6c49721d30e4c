using CustomGpt.LlamaCpp.Gguf;

namespace CustomGpt.Trainer.Tests;

/// <summary>
/// `dotnet Trainer.dll train ...` as an operator runs it: bad input gives a clear message and exit
/// code 2 (command line) or 1 (data, files), never a native abort (134) and never an output file.
/// </summary>
public sealed class BadInputTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("customgpt-trainer-bad-").FullName;
    readonly string goodText;

    public BadInputTests() => goodText = TestTexts.WriteTemp(dir, "good.txt", TestTexts.Sentences(3_000));

    string Out => Path.Combine(dir, "out", "model.gguf");

    void AssertFails(int exitCode, string message, params string[] args)
    {
        var (code, output) = TrainerRunner.RunProcess(["train", .. args]);
        Assert.True(code == exitCode, $"exit code {code}, expected {exitCode}:\n{output}");
        Assert.Contains(message, output, StringComparison.Ordinal);
        Assert.False(File.Exists(Out), "no model is written for bad input");
    }

    string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Missing_text_option() => AssertFails(2, "Option '--text' is required.", "--out", Out);

    [Fact]
    public void Option_without_its_value() => AssertFails(2, "Required argument missing for option: '--out'.", "--text", goodText, "--out");

    [Fact]
    public void Missing_text_file() => AssertFails(1, "error: --text: file not found: ", "--text", Path.Combine(dir, "nope.txt"), "--out", Out);

    [Fact]
    public void Empty_text_file() => AssertFails(1, "is empty", "--text", Write("empty.txt", []), "--out", Out);

    [Fact]
    public void Whitespace_only_text_file() => AssertFails(1, "holds only whitespace", "--text", Write("blank.txt", "  \n\n \t\n"u8.ToArray()), "--out", Out);

    [Fact]
    public void Binary_file_with_nul_bytes() =>
        AssertFails(1, "looks binary (it contains NUL bytes)", "--text", Write("data.bin", [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00]), "--out", Out);

    [Fact]
    public void Text_that_is_not_utf8() =>
        AssertFails(1, "is not valid UTF-8 text", "--text", Write("latin1.txt", [.. "caf"u8, 0xE9, .. " au lait\n"u8]), "--out", Out);

    [Fact]
    public void Text_too_short_for_one_sequence() =>
        AssertFails(1, "The text has 12 characters; a context of 256 needs at least 514", "--text", Write("short.txt", "Hello there\n"u8.ToArray()), "--out", Out, "--preset", "tiny");

    [Fact]
    public void Text_too_short_for_the_chosen_context() =>
        AssertFails(1, "a context of 2048 needs at least 4,098", "--text", goodText, "--out", Out, "--preset", "tiny", "--context", "2048");

    [Fact]
    public void Output_under_a_file_cannot_be_written()
    {
        var blocker = Write("not-a-folder", [1, 2, 3]);
        var (code, output) = TrainerRunner.RunProcess("train", "--text", goodText, "--out", Path.Combine(blocker, "model.gguf"), "--preset", "tiny");
        Assert.True(code == 1, $"exit code {code}:\n{output}");
        Assert.Contains("error: --out: cannot write to", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Output_that_is_a_folder() => AssertFails(1, "is a folder; give a file name", "--text", goodText, "--out", dir);

    [Fact]
    public void Output_that_would_overwrite_the_text()
    {
        var (code, output) = TrainerRunner.RunProcess("train", "--text", goodText, "--out", goodText, "--preset", "tiny");
        Assert.True(code == 1, $"exit code {code}:\n{output}");
        Assert.Contains("--out names the --text file itself", output, StringComparison.Ordinal);
        Assert.Equal(TestTexts.Sentences(3_000), File.ReadAllText(goodText));
    }

    [Fact]
    public void Two_plans_at_once() => AssertFails(2, "Give only one of --minutes, --epochs and --steps", "--text", goodText, "--out", Out, "--minutes", "5", "--epochs", "2");

    [Fact]
    public void Context_not_a_multiple_of_256() => AssertFails(2, "--context must be a multiple of 256", "--text", goodText, "--out", Out, "--context", "300");

    [Fact]
    public void Unknown_preset_and_option()
    {
        AssertFails(2, "--preset: Argument 'huge' not recognized. Must be one of:", "--text", goodText, "--out", Out, "--preset", "huge");
        AssertFails(2, "Unrecognized command or argument '--epoch'.", "--text", goodText, "--out", Out, "--epoch", "1");
        AssertFails(2, "--quantize: Argument 'q5_k' not recognized. Must be one of:", "--text", goodText, "--out", Out, "--quantize", "q5_k");
        AssertFails(2, "--progress: Argument 'xml' not recognized. Must be one of:", "--text", goodText, "--out", Out, "--progress", "xml");
    }

    [Fact]
    public void Bad_sample_cadence()
    {
        AssertFails(2, "--sample-every must be a whole number from 1 to 2147483647 (got '0')", "--text", goodText, "--out", Out, "--sample-every", "0");
        AssertFails(2, "--sample-seconds must be a number from 0 to 86400 (got '-1')", "--text", goodText, "--out", Out, "--sample-seconds", "-1");
        AssertFails(2, "--sample-seconds must be a number from 0 to 86400 (got 'NaN')", "--text", goodText, "--out", Out, "--sample-seconds", "NaN");
        AssertFails(2, "Required argument missing for option: '--watch-stdin'.", "--text", goodText, "--out", Out, "--watch-stdin", "yes");
    }

    [Fact]
    public void Values_out_of_range()
    {
        AssertFails(2, "--context must be a whole number from 256 to 8192 (got '9000').", "--text", goodText, "--out", Out, "--context", "9000");
        AssertFails(2, "--lr must be a number from 1E-06 to 0.1 (got '1').", "--text", goodText, "--out", Out, "--lr", "1");
        AssertFails(2, "--threads must be a whole number from 1 to 256 (got '0').", "--text", goodText, "--out", Out, "--threads", "0");
        AssertFails(2, "--minutes must be a number from 0.01 to 100000 (got '0').", "--text", goodText, "--out", Out, "--minutes", "0");
    }

    [Fact]
    public void Values_that_are_not_numbers()
    {
        AssertFails(2, "Cannot parse argument 'abc' for option '--seed'", "--text", goodText, "--out", Out, "--seed", "abc");
        AssertFails(2, "Cannot parse argument '1.5' for option '--steps'", "--text", goodText, "--out", Out, "--steps", "1.5");
    }

    [Fact]
    public void Help_lists_every_option_and_exits_0()
    {
        var (code, output) = TrainerRunner.RunProcess("train", "--help");
        Assert.True(code == 0, $"exit code {code}:\n{output}");
        foreach (var option in new[] { "--text", "--out", "--preset", "--minutes", "--epochs", "--steps", "--resume", "--progress", "--watch-stdin", "--sample-seconds" })
            Assert.Contains(option, output, StringComparison.Ordinal);
        Assert.Contains("The UTF-8 text to train on.", output, StringComparison.Ordinal);
    }

    [Fact]
    public void No_command()
    {
        var (code, output) = TrainerRunner.RunProcess();
        Assert.True(code == 2, $"exit code {code}:\n{output}");
        Assert.Contains("Required command was not provided.", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Make_model_bad_input()
    {
        var model = Path.Combine(dir, "random.gguf");
        foreach (var (message, args) in new (string, string[])[]
        {
            ("Option '--out' is required.", []),
            ("--shape must be tiny, tinyllama or six positive numbers", ["--out", model, "--shape", "1,2"]),
            ("--shape: embedding length 10 must be divisible by heads 3.", ["--out", model, "--shape", "10,1,3,1,8,8"]),
            ("--type: Argument 'f8' not recognized.", ["--out", model, "--type", "f8"]),
            ("--vocab: file not found: ", ["--out", model, "--vocab", "chars:" + Path.Combine(dir, "nope.txt")]),
            ("--seed must be a whole number from 0 to 2147483647 (got '-1').", ["--out", model, "--seed", "-1"]),
        })
        {
            var (code, output) = TrainerRunner.RunProcess(["make-model", .. args]);
            Assert.True(code == 2, $"exit code {code}, expected 2:\n{output}");
            Assert.Contains(message, output, StringComparison.Ordinal);
        }
        Assert.False(File.Exists(model), "no model is written for bad input");
    }

    [Fact]
    public void Resume_from_a_missing_checkpoint() =>
        AssertFails(1, "--resume: checkpoint not found", "--text", goodText, "--out", Out, "--resume", Path.Combine(dir, "missing.ckpt.gguf"));

    [Fact]
    public void Resume_from_a_file_that_is_not_gguf() =>
        AssertFails(1, "--resume: '", "--text", goodText, "--out", Out, "--resume", goodText);

    [Fact]
    public void Resume_from_a_model_that_is_not_a_checkpoint()
    {
        var model = Path.Combine(dir, "plain.gguf");
        LlamaModelWriter.WriteRandom(model, ModelShape.Tiny, Vocabulary.FromCharacters("abc "), "plain");
        AssertFails(1, "is a GGUF model but not a trainer checkpoint", "--text", goodText, "--out", Out, "--resume", model);
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
