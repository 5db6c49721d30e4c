using CustomGpt.ModelApi.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomGpt.ModelApi.Problems;

/// <summary>A problem-details body with a machine-readable "code" (<see cref="ProblemCodes"/>).</summary>
public static class CodedProblem
{
    public static ProblemHttpResult Of(int status, string code, string title, string detail) =>
        TypedResults.Problem(title: title, detail: detail, statusCode: status, extensions: new Dictionary<string, object?> { ["code"] = code });
}
