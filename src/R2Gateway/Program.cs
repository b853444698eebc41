using R2Gateway.Actions;
using R2Gateway.Commands;
using R2Gateway.Events;
using R2Gateway.Hooks;
using R2Gateway.Http;
using R2Gateway.Observability;
using R2Gateway.S3Api;
using R2Gateway.Security;
using R2Gateway.Storage;

var (command, hostArgs) = GatewayCommands.Split(args);
var builder = WebApplication.CreateBuilder(hostArgs);

builder.AddGatewayLogging();
builder.Services.AddObjectStore(builder.Configuration);
builder.AddGatewayTelemetry();
builder.Services.AddGatewayEvents(builder.Configuration);
builder.Services.AddUploadHooks(builder.Configuration);
builder.Services.AddProblemDetails(ContractProblems.Customize);
builder.Services.AddExceptionHandler<ContractExceptionHandler>();
builder.Services.AddSingleton<Microsoft.AspNetCore.Routing.MatcherPolicy, ObjectActionMatcherPolicy>();
builder.Services.AddGatewayOpenApi();
builder.Services.AddGatewayCors(builder.Configuration);
builder.Services.AddGatewayAccessControl();
builder.Services.AddGatewayLimits(builder.Configuration);
builder.Services.AddOptions<ObjectResponseOptions>().BindConfiguration(ObjectResponseOptions.Section);
builder.Services.AddUploadPage();
builder.Services.AddS3Api(builder.Configuration);
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));

var app = builder.Build();
if (command.Length > 0)
{
    return await GatewayCommands.RunAsync(command, app.Services);
}

// A start that must be refused is refused before anything listens: one line, exit code 1.
if (app.StartRefusal() is { } refusal)
{
    await Console.Error.WriteLineAsync($"r2gateway: {refusal}");
    return 1;
}

app.UseCloseOnUnsentBody();
app.UseGatewayRequestLog();
app.UseGatewayMetrics();
app.UseExceptionHandler();
app.UseMiddleware<ProblemBodies>();
app.UseUploadPage();
app.UseRouting();
app.UseCors();
app.UseAuthentication();
app.UseRateLimiter();
app.UseGatewayApiDocs();

app.MapHealthChecks("/healthz", new() { Predicate = _ => false });
app.MapHealthChecks("/readyz", new() { Predicate = check => check.Tags.Contains("ready") });
app.MapObjectActions();

await app.RunAsync();
return 0;

/// <summary>Visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
