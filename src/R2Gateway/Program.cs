using R2Gateway;
using R2Gateway.Commands;
using R2Gateway.Security;

var (command, hostArgs) = GatewayCommands.Split(args);
// A command's stdout is its output, so its log lines go to stderr.
var settings = command.Length > 0 ? new Dictionary<string, string?> { [R2Gateway.Http.GatewayLogging.ToStandardErrorKey] = "true" } : null;
var app = GatewayApp.CreateBuilder(new WebApplicationOptions { Args = hostArgs }, settings).Build();
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

app.UseGateway();
await app.RunAsync();
return 0;

/// <summary>The entry point: tests run it through WebApplicationFactory and start its dll as a process.</summary>
public partial class Program;
