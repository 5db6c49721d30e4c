namespace CustomGpt.ModelApi.Training;

/// <summary>Training from your own text (#23): the files and jobs store, the one-at-a-time queue, trained models.</summary>
public static class TrainingServices
{
    public static IServiceCollection AddTraining(this IServiceCollection services, TrainingSettings settings)
    {
        services.AddSingleton(settings);
        services.AddSingleton<TrainingStore>();
        services.AddSingleton<JobEvents>();
        services.AddSingleton<TrainedModels>();
        services.AddSingleton<TrainingQueue>();
        services.AddHostedService(s => s.GetRequiredService<TrainingQueue>());
        // TRAIN_OUTPUT_URL: uploads of succeeded jobs' models, and serving those in the bucket (Bucket/).
        services.AddSingleton<Bucket.TrainedModelBucket>();
        services.AddHostedService<Bucket.BucketModelSync>();
        return services;
    }
}
