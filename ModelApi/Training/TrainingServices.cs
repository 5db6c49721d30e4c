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
        return services;
    }
}
