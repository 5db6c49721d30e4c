using CustomGpt.Bench;

// Usage: dotnet run -c Release --project bench -- [MODE] [OPTIONS]; `-- --help` lists the modes and options (bench/BenchCli.cs).
// Prints figures only; nothing here asserts. docs/performance.md has what was measured.
return await BenchCli.RunAsync(args);
