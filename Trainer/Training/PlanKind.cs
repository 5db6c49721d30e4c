namespace CustomGpt.Trainer.Training;

/// <summary>What a plan counts: epochs (passes over the training windows), minutes or optimizer steps.</summary>
public enum PlanKind { Epochs, Minutes, Steps }
