using Microsoft.AspNetCore.Http.Features;

namespace R2Gateway.Http;

/// <summary>Fills in problem+json bodies that the framework writes itself (the file result's
/// 412 and 416, which come without a body) with the contract's code and a usable detail.</summary>
public static class ContractProblems
{
    public static void Customize(ProblemDetailsOptions options) => options.CustomizeProblemDetails = context =>
    {
        var problem = context.ProblemDetails;
        problem.Extensions.Remove("traceId");
        if (problem.Extensions.ContainsKey("code"))
        {
            return;
        }

        switch (problem.Status)
        {
            case StatusCodes.Status412PreconditionFailed:
                problem.Extensions["code"] = "PreconditionFailed";
                problem.Detail ??= "Precondition failed: If-Match or If-Unmodified-Since does not hold for the object.";
                break;
            case StatusCodes.Status416RangeNotSatisfiable:
                problem.Extensions["code"] = "InvalidRange";
                var range = context.HttpContext.Response.Headers.ContentRange.ToString();
                problem.Detail ??= $"The requested range is not satisfiable: the object is {range[(range.IndexOf('/', StringComparison.Ordinal) + 1)..]} bytes long.";
                break;
        }
    };
}
