// Each test class starts its own ModelApi process; running them one at a time keeps them from
// starving each other of CPU (llama.cpp threads spin while waiting).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
