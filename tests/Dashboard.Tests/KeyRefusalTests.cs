using CustomGpt.Dashboard.SignIn;
using Microsoft.AspNetCore.DataProtection;

namespace CustomGpt.Dashboard.Tests;

/// <summary>Only a ticket this server made, for the key of the session that opens it, ends that session.</summary>
public class KeyRefusalTests
{
    readonly KeyRefusal refusal = new(new EphemeralDataProtectionProvider());

    [Fact]
    public void A_ticket_names_the_refusal_only_for_the_session_of_the_refused_key()
    {
        var ticket = refusal.TicketFor("sk-alice", ProblemCodes.KeyBlocked);

        Assert.Equal(ProblemCodes.KeyBlocked, refusal.RefusalOf(Session.ForKey("sk-alice", "alice", isMaster: false), ticket));
        Assert.Null(refusal.RefusalOf(Session.ForKey("sk-bob", "bob", isMaster: false), ticket)); // someone else's refusal
        Assert.Null(refusal.RefusalOf(Session.ForPassword(), ticket)); // no key in the session
        Assert.Null(refusal.RefusalOf(new(), ticket)); // nobody signed in
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("key_blocked")]
    [InlineData("CfDJ8AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void A_ticket_anyone_can_write_names_nothing(string? ticket) =>
        Assert.Null(refusal.RefusalOf(Session.ForKey("sk-alice", "alice", isMaster: false), ticket));

    [Fact]
    public void An_altered_ticket_or_one_from_a_server_with_other_keys_names_nothing()
    {
        var ticket = refusal.TicketFor("sk-alice", ProblemCodes.KeyBlocked);
        var altered = ticket[..^2] + (ticket[^2] == 'A' ? "B" : "A") + ticket[^1];
        var otherServer = new KeyRefusal(new EphemeralDataProtectionProvider());
        var alice = Session.ForKey("sk-alice", "alice", isMaster: false);

        Assert.Null(refusal.RefusalOf(alice, altered));
        Assert.Null(otherServer.RefusalOf(alice, ticket));
    }
}
