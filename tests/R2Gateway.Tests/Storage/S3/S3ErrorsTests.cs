using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using R2Gateway.Errors;
using R2Gateway.Storage.S3;

namespace R2Gateway.Tests.Storage.S3;

/// <summary>What a failed call to the S3 endpoint becomes: an outage is a clear 503, a client's broken body is not one.</summary>
public sealed class S3ErrorsTests
{
    private static readonly S3StoreOptions Options = new() { ServiceUrl = "http://s3.example:9000", Bucket = "b" };

    private static Task<int> Call(Exception thrown) =>
        S3Errors.Call<int>(() => throw thrown, Options, CancellationToken.None);

    [Fact]
    public async Task A_connection_reset_while_sending_is_503_the_endpoint_cannot_be_reached()
    {
        var act = () => Call(new IOException("Unable to write data to the transport connection", new SocketException((int)SocketError.ConnectionReset)));

        var error = (await act.Should().ThrowAsync<ContractException>()).Which;
        error.Code.Should().Be(ErrorCode.ServiceUnavailable);
        error.Message.Should().Contain("s3.example cannot be reached");
    }

    [Fact]
    public async Task A_refused_connection_is_503_the_endpoint_cannot_be_reached()
    {
        var act = () => Call(new HttpRequestException("Connection refused", new SocketException((int)SocketError.ConnectionRefused)));

        (await act.Should().ThrowAsync<ContractException>()).Which.Message.Should().Contain("cannot be reached");
    }

    [Fact]
    public async Task The_clients_own_body_failing_is_not_called_an_outage()
    {
        var bad = new BadHttpRequestException("Unexpected end of request content.");
        (await ((Func<Task<int>>)(() => Call(bad))).Should().ThrowAsync<BadHttpRequestException>()).Which.Should().BeSameAs(bad);

        var reset = new ConnectionResetException("The client reset the request stream.");
        (await ((Func<Task<int>>)(() => Call(reset))).Should().ThrowAsync<ConnectionResetException>()).Which.Should().BeSameAs(reset);
    }
}
