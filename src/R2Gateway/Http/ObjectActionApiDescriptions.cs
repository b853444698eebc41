using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace R2Gateway.Http;

/// <summary>
/// Every action lives on the same route, which OpenAPI would fold into one operation per method.
/// This gives each action its own documented path, <c>/{key}?action=NAME</c>, and documents the
/// key (bound from the raw path by <see cref="ObjectKey"/>) as the path parameter it is.
/// A route pattern cannot hold '?', so the path carries a placeholder that <see cref="RewritePaths"/>
/// turns into the query once the document is built.
/// </summary>
public sealed class ObjectActionApiDescriptions : IApiDescriptionProvider
{
    private const string Placeholder = "/.action/";

    public static Task RewritePaths(Microsoft.OpenApi.OpenApiDocument document, Microsoft.AspNetCore.OpenApi.OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var (path, item) in document.Paths.ToList())
        {
            if (path.Contains(Placeholder, StringComparison.Ordinal))
            {
                document.Paths.Remove(path);
                document.Paths[path.Replace(Placeholder, "?action=", StringComparison.Ordinal)] = item;
            }
        }

        return Task.CompletedTask;
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
