using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption;
using Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption.ConfigurationModel;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace CustomGpt.Dashboard.Hosting;

/// <summary>
/// A data-protection key ring of one key, computed from DASHBOARD_SECRET rather than stored: every instance
/// computes the same key, with no shared disk or database. The element is the one ASP.NET Core's key manager
/// writes for a key it made itself; the descriptor part comes from its own exporter.
/// </summary>
public sealed class SecretKeyRing : IXmlRepository
{
    // Fixed dates, so that every instance, started at any time, describes the key identically.
    static readonly DateTimeOffset Activated = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    static readonly DateTimeOffset Expires = new(2125, 1, 1, 0, 0, 0, TimeSpan.Zero);

    readonly XElement key;

    public SecretKeyRing(DashboardSecret secret)
    {
        var descriptor = new AuthenticatedEncryptorDescriptor(new AuthenticatedEncryptorConfiguration(), new Secret(secret.MasterKey)).ExportToXml();
        key = new XElement("key",
            new XAttribute("id", secret.KeyId),
            new XAttribute("version", 1),
            new XElement("creationDate", Activated),
            new XElement("activationDate", Activated),
            new XElement("expirationDate", Expires),
            new XElement("descriptor",
                new XAttribute("deserializerType", descriptor.DeserializerType.AssemblyQualifiedName!),
                descriptor.SerializedDescriptorElement));
    }

    public IReadOnlyCollection<XElement> GetAllElements() => [new XElement(key)];

    /// <summary>Nothing is ever stored: automatic key generation is off, and a new key would exist on one instance only.</summary>
    public void StoreElement(XElement element, string friendlyName) =>
        throw new InvalidOperationException($"The Dashboard's data-protection key comes from {DashboardSecret.Variable}; it does not store keys ({friendlyName}).");
}
