using R2Gateway.Testing;

namespace R2Gateway.FunctionalTests.Actions;

/// <summary>The contract suite against the embedded filesystem store.</summary>
public sealed class FileSystemContractTests(FileSystemGateway gateway)
    : ContractTests(gateway), IClassFixture<FileSystemGateway>;
