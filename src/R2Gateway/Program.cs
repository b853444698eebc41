using R2Gateway;
using R2Gateway.Commands;
using R2Gateway.Security;

var (command, hostArgs) = GatewayCommands.Split(args);
var app = GatewayApp.CreateBuilder(hostArgs).Build();
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
