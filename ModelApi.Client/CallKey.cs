namespace CustomGpt.ModelApi.Client;

/// <summary>Where the key of a call came from: failures name it, so a person knows which key to fix.</summary>
enum KeySource
{
    /// <summary>No key was sent.</summary>
    None,
    /// <summary><see cref="ModelApiClientOptions.ApiKey"/>, read from GPT_API_KEY.</summary>
    Configured,
    /// <summary>The <see cref="IApiKeyProvider"/>'s: the key the person signed in with.</summary>
    SignedIn,
    /// <summary>Given to <see cref="ModelApiClient.WithApiKey"/> (a key being checked, or the master key).</summary>
    Given,
}

/// <summary>The key sent with one call, and where it came from.</summary>
readonly record struct CallKey(string? Value, KeySource Source)
{
    /// <summary>The key in words, as the subject of a sentence ("the key you signed in with").</summary>
    public string Who => Source switch
    {
        KeySource.Configured => "the key in " + ModelApiClientOptions.KeyVariable,
        KeySource.SignedIn => "the key you signed in with",
        KeySource.Given => "this key",
        _ => "this address",
    };
}
