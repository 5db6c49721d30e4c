// One browser and a few server processes on a small machine: one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
