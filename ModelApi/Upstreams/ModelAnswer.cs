namespace CustomGpt.ModelApi.Upstreams;

/// <summary>
/// A model's answer, ready to be written, or the problem it ended with. <see cref="FallsBack"/>: the failure is one the
/// model's fallbacks are tried for (its deployments failed, timed out or were rate limited; not the request's own fault).
/// </summary>
public sealed record ModelAnswer(IResult Result, bool FallsBack)
{
    public static ModelAnswer Ok(IResult result) => new(result, false);
}
