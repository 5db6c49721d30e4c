using CustomGpt.Trainer;

return TrainerCli.Run(args);
