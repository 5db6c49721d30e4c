namespace CustomGpt.Deploy.Tests;

/// <summary>deploy/cloudrun/train-job.sh: the Cloud Run job that trains a model from a text in a bucket (--dry-run, run with bash).</summary>
public sealed class TrainJobTests
{
    const string Script = "deploy/cloudrun/train-job.sh";

    static (int Code, string Stdout, string Stderr) Run(string[] args, params (string Key, string Value)[] env)
    {
        using var path = new ScriptPath(withGcloud: false);
        return Scripts.Run(Script, args, path, env);
    }

    [Fact]
    public void Dry_run_prints_a_job_that_runs_the_trainer_on_the_bucket_and_the_command_that_starts_it()
    {
        var (code, stdout, stderr) = Run(["--execute", "--dry-run"], ("GCP_PROJECT", "my-proj"), ("GCP_REGION", "europe-west1"),
            ("BUCKET", "my-models"), ("TEXT", "texts/bible.txt"), ("NAME", "bible-small"), ("MINUTES", "45"), ("QUANTIZE", "q8_0"));
        Assert.True(code == 0, stderr);
        var lines = stdout.Trim().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Equal("gcloud run jobs deploy customgpt-train --project=my-proj --region=europe-west1 " +
            "--image=europe-west1-docker.pkg.dev/my-proj/customgpt/modelapi:latest --cpu=4 --memory=4Gi --task-timeout=4500s --max-retries=0 " +
            "--add-volume=name=bucket,type=cloud-storage,bucket=my-models --add-volume-mount=volume=bucket,mount-path=/mnt/bucket --command=dotnet " +
            "--args=exec,--runtimeconfig,ModelApi.runtimeconfig.json,--depsfile,ModelApi.deps.json,Trainer.dll,train," +
            "--text,/mnt/bucket/texts/bible.txt,--out,/mnt/bucket/models/bible-small.gguf,--threads,4,--seed,1,--name,bible-small,--minutes,45," +
            "--preset,small,--quantize,q8_0", lines[0]);
        Assert.Equal("gcloud run jobs execute customgpt-train --project=my-proj --region=europe-west1 --wait", lines[1]);
    }

    [Fact]
    public void Resuming_trains_the_checkpoint_further_and_epochs_get_the_longest_task()
    {
        var (code, stdout, stderr) = Run(["--dry-run"], ("GCP_PROJECT", "my-proj"), ("BUCKET", "b"), ("TEXT", "t.txt"), ("NAME", "m"),
            ("EPOCHS", "3"), ("RESUME", "true"), ("CPU", "8"), ("MEMORY", "8Gi"));
        Assert.True(code == 0, stderr);
        var line = stdout.Trim();
        Assert.Contains("--task-timeout=86400s", line, StringComparison.Ordinal);
        Assert.EndsWith(",--threads,8,--seed,1,--name,m,--epochs,3,--resume,/mnt/bucket/models/m.ckpt.gguf", line, StringComparison.Ordinal);
        Assert.DoesNotContain("--preset", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_and_wrong_settings_are_named_and_nothing_runs()
    {
        var (code, stdout, stderr) = Run(["--dry-run"], ("GCP_PROJECT", "my-proj"), ("PRESET", "huge"), ("MINUTES", "5"), ("EPOCHS", "1"),
            ("CONTEXT", "300"), ("NAME", "no spaces"));
        Assert.Equal(1, code);
        Assert.Empty(stdout);
        foreach (var words in new[] { "BUCKET is not set", "TEXT is not set", "NAME='no spaces'", "PRESET='huge'", "MINUTES or EPOCHS, not both", "CONTEXT='300'" })
            Assert.Contains(words, stderr, StringComparison.Ordinal);
    }
}
