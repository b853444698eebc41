using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace R2Gateway.Http;

/// <summary>
/// Every action lives on the same route, which OpenAPI would fold into one operation per method,
/// keeping only the last action's description. This gives each action its own path while the
/// document is built, then <see cref="MergeActions"/> folds them into one operation per method with
/// every action's parameters, and documents the key (bound from the raw path by
/// <see cref="ObjectKey"/>) as the path parameter it is.
/// </summary>
public sealed class ObjectActionApiDescriptions : IApiDescriptionProvider
{
    private const string Placeholder = "/.action/";

    /// <summary>Folds the per-action paths into one operation per method on <c>/{key}</c>, with
    /// <c>action</c> as a required query parameter listing that method's actions: the form Swagger UI
    /// can fill in and send (it cannot substitute a path template that holds a query).</summary>
    public static Task MergeActions(Microsoft.OpenApi.OpenApiDocument document, Microsoft.AspNetCore.OpenApi.OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var byMethod = new Dictionary<HttpMethod, List<(string Action, Microsoft.OpenApi.OpenApiOperation Operation)>>();
        foreach (var (path, item) in document.Paths.ToList())
        {
            var at = path.IndexOf(Placeholder, StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }

            document.Paths.Remove(path);
            foreach (var (method, operation) in item.Operations ?? [])
            {
                (byMethod.TryGetValue(method, out var list) ? list : byMethod[method] = []).Add((path[(at + Placeholder.Length)..], operation));
            }
        }

        var merged = new Microsoft.OpenApi.OpenApiPathItem { Operations = [] };
        foreach (var (method, actions) in byMethod)
        {
            merged.Operations[method] = Merge(method, actions);
        }

        document.Paths["/{key}"] = merged;
        return Task.CompletedTask;
    }

    private static Microsoft.OpenApi.OpenApiOperation Merge(HttpMethod method, List<(string Action, Microsoft.OpenApi.OpenApiOperation Operation)> actions)
    {
        var parameters = new List<Microsoft.OpenApi.IOpenApiParameter>
        {
            actions[0].Operation.Parameters![0], // the key
            new Microsoft.OpenApi.OpenApiParameter
            {
                Name = "action",
                In = Microsoft.OpenApi.ParameterLocation.Query,
                Required = true,
                Description = "What to do with the object: " + string.Join("; ", actions.Select(a => $"{a.Action}: {a.Operation.Summary}")) + ".",
                Schema = new Microsoft.OpenApi.OpenApiSchema
                {
                    Type = Microsoft.OpenApi.JsonSchemaType.String,
                    Enum = [.. actions.Select(a => (System.Text.Json.Nodes.JsonNode)System.Text.Json.Nodes.JsonValue.Create(a.Action))],
                },
            },
        };
        foreach (var group in actions.SelectMany(a => (a.Operation.Parameters ?? []).Skip(1).Select(p => (a.Action, Parameter: p))).GroupBy(x => x.Parameter.Name))
        {
            var first = group.First().Parameter;
            parameters.Add(new Microsoft.OpenApi.OpenApiParameter
            {
                Name = first.Name,
                In = first.In,
                Schema = first.Schema,
                Description = $"For action={string.Join(", ", group.Select(x => x.Action).Distinct())}.",
            });
        }

        var bodies = actions.Select(a => a.Operation.RequestBody).OfType<Microsoft.OpenApi.IOpenApiRequestBody>().ToList();
        var responses = new Microsoft.OpenApi.OpenApiResponses();
        foreach (var (status, response) in actions.SelectMany(a => a.Operation.Responses ?? []))
        {
            responses.TryAdd(status, response);
        }

        return new Microsoft.OpenApi.OpenApiOperation
        {
            OperationId = $"object-{method.Method.ToLowerInvariant()}",
            Summary = $"{method.Method} /{{key}}?action={string.Join("|", actions.Select(a => a.Action))}",
            Description = string.Join("\n", actions.Select(a => $"- `action={a.Action}`: {a.Operation.Summary}")),
            Tags = actions[0].Operation.Tags,
            Parameters = parameters,
            RequestBody = bodies.Count == 0 ? null : new Microsoft.OpenApi.OpenApiRequestBody
            {
                Required = false,
                Content = bodies.SelectMany(b => b.Content ?? new Dictionary<string, Microsoft.OpenApi.OpenApiMediaType>())
                    .GroupBy(c => c.Key).ToDictionary(g => g.Key, g => g.First().Value),
            },
            Responses = responses,
        };
    }

    /// <summary>Documents the key, which <see cref="ObjectKey"/> binds from the raw path, and the request
    /// bodies the handlers read themselves (declaring them as Accepts metadata would make routing
    /// refuse clients that send another Content-Type, as curl and the Worker's client do).</summary>
    public static Task DescribeObjectAction(Microsoft.OpenApi.OpenApiOperation operation, Microsoft.AspNetCore.OpenApi.OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<ObjectActionMetadata>().FirstOrDefault() is { } meta)
        {
            operation.RequestBody = meta.Action switch
            {
                "mpu-uploadpart" or "put" => Body("application/octet-stream", new() { Type = Microsoft.OpenApi.JsonSchemaType.String, Format = "binary" }),
                "mpu-complete" => Body("application/json", new()
                {
                    Type = Microsoft.OpenApi.JsonSchemaType.Object,
                    Examples = [System.Text.Json.Nodes.JsonNode.Parse("""{"parts":[{"partNumber":1,"etag":"bce6bf66aeb76c7040fdd5f4eccb78e6"}]}""")!],
                }),
                _ => operation.RequestBody,
            };
            operation.Parameters ??= [];
            operation.Parameters.Insert(0, new Microsoft.OpenApi.OpenApiParameter
            {
                Name = "key",
                In = Microsoft.OpenApi.ParameterLocation.Path,
                Required = true,
                Description = "The object key: the whole path after the first '/'. Slashes may be sent as '/' or %2F.",
                Schema = new Microsoft.OpenApi.OpenApiSchema { Type = Microsoft.OpenApi.JsonSchemaType.String },
            });
        }

        return Task.CompletedTask;
    }

    // After the framework's endpoint provider (-1100) has described the endpoints.
    public int Order => 0;

    private static Microsoft.OpenApi.OpenApiRequestBody Body(string mediaType, Microsoft.OpenApi.OpenApiSchema schema) => new()
    {
        Required = true,
        Content = new Dictionary<string, Microsoft.OpenApi.OpenApiMediaType> { [mediaType] = new() { Schema = schema } },
    };

    public void OnProvidersExecuting(ApiDescriptionProviderContext context)
    {
        foreach (var description in context.Results)
        {
            if (description.ActionDescriptor.EndpointMetadata.OfType<ObjectActionMetadata>().FirstOrDefault() is not { IsUnmatched: false } meta)
            {
                continue;
            }

            description.RelativePath = $"{{key}}{Placeholder}{meta.Action}";
        }
    }

    public void OnProvidersExecuted(ApiDescriptionProviderContext context)
    {
    }
}
