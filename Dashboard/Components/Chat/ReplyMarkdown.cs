using Markdig;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace CustomGpt.Dashboard.Components.Chat;

/// <summary>
/// A reply's Markdown as HTML for the page. The text comes from the model, so it is untrusted: raw HTML
/// is shown as text (<c>DisableHtml</c>), only http, https and mailto links stay links, and images
/// become links (a reply must not make the browser fetch anything by itself).
/// </summary>
public static class ReplyMarkdown
{
    static readonly string[] AllowedSchemes = [Uri.UriSchemeHttp, Uri.UriSchemeHttps, Uri.UriSchemeMailto];

    // No extension that lets text set HTML attributes (generic attributes) or emit raw HTML.
    static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UsePipeTables()
        .UseEmphasisExtras()
        .UseAutoLinks()
        .UseSoftlineBreakAsHardlineBreak() // a chat's line breaks are meant
        .Build();

    public static string ToHtml(string markdown)
    {
        var document = Markdown.Parse(markdown, Pipeline);
        Sanitize(document);
        using var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer);
        Pipeline.Setup(renderer);
        renderer.Render(document);
        writer.Flush();
        return writer.ToString();
    }

    static void Sanitize(MarkdownDocument document)
    {
        foreach (var link in document.Descendants<LinkInline>().ToList())
        {
            var url = Allowed(link.GetDynamicUrl?.Invoke() ?? link.Url);
            link.GetDynamicUrl = null;
            if (url is null)
            {
                Unwrap(link); // the link's text stays, as text
                continue;
            }
            link.Url = url;
            link.IsImage = false;
            MarkExternal(link);
        }
        foreach (var autolink in document.Descendants<AutolinkInline>().ToList())
        {
            var url = Allowed(autolink.IsEmail ? "mailto:" + autolink.Url : autolink.Url);
            if (url is null) autolink.ReplaceBy(new LiteralInline(autolink.Url));
            else MarkExternal(autolink);
        }
    }

    /// <summary>The link's address in canonical form when its scheme is allowed, else null.</summary>
    static string? Allowed(string? url) =>
        Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var uri) && AllowedSchemes.Contains(uri.Scheme) ? uri.AbsoluteUri : null;

    static void MarkExternal(Inline link)
    {
        var attributes = link.GetAttributes();
        attributes.AddPropertyIfNotExist("rel", "nofollow noopener noreferrer");
        attributes.AddPropertyIfNotExist("target", "_blank");
    }

    static void Unwrap(LinkInline link)
    {
        while (link.FirstChild is { } child)
        {
            child.Remove();
            link.InsertBefore(child);
        }
        link.Remove();
    }
}
