namespace CustomGpt.ModelApi.Tests;

/// <summary>Test classes in this collection share one throwaway PostgreSQL cluster for the whole run.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
