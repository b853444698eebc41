return await R2Gateway.Cli.CliApp.RunAsync(args);
