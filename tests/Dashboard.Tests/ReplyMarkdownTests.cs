using CustomGpt.Dashboard.Components.Chat;

namespace CustomGpt.Dashboard.Tests;

/// <summary>A reply's Markdown: formatting works, and nothing the model writes becomes markup or a script of the page.</summary>
public class ReplyMarkdownTests
{
    [Fact]
    public void Markdown_renders_as_html()
    {
        var html = ReplyMarkdown.ToHtml("# Title\n\n**bold** and *it*\n\n- one\n- two\n\n```\ncode <b>\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |");

        Assert.Contains("<h1>Title</h1>", html, StringComparison.Ordinal);
        Assert.Contains("<strong>bold</strong>", html, StringComparison.Ordinal);
        Assert.Contains("<em>it</em>", html, StringComparison.Ordinal);
        Assert.Contains("<li>one</li>", html, StringComparison.Ordinal);
        Assert.Contains("<code>code &lt;b&gt;", html, StringComparison.Ordinal);
        Assert.Contains("<table>", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;")]
    [InlineData("hi <script>alert(1)</script> there", "&lt;script&gt;alert(1)&lt;/script&gt;")]
    [InlineData("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;")]
    [InlineData("text <img src=x onerror=\"alert(1)\"> text", "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;")]
    [InlineData("<div onclick=\"alert(1)\">block</div>", "&lt;div onclick=&quot;alert(1)&quot;&gt;block&lt;/div&gt;")]
    public void Raw_html_from_the_model_comes_out_as_text(string reply, string expected)
    {
        var html = ReplyMarkdown.ToHtml(reply);

        Assert.Contains(expected, html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<div", html, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("[click me](javascript:alert(1))", "click me")]
    [InlineData("[click me](JavaScript:alert(1))", "click me")]
    [InlineData("[click me](jav&#x09;ascript:alert(1))", "click me")]
    [InlineData("[click me][r]\n\n[r]: javascript:alert(1)", "click me")]
    [InlineData("<javascript:alert(1)>", "javascript:alert(1)")]
    [InlineData("[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", "data")]
    [InlineData("[vb](vbscript:msgbox(1))", "vb")]
    [InlineData("[relative](/keys)", "relative")]
    [InlineData("![pixel](javascript:alert(1))", "pixel")]
    public void Links_other_than_http_https_and_mailto_are_not_links(string reply, string text)
    {
        var html = ReplyMarkdown.ToHtml(reply);

        Assert.DoesNotContain("<a", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(text, html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[site](https://example.com/a?b=1)", "https://example.com/a?b=1")]
    [InlineData("[plain](http://example.com/)", "http://example.com/")]
    [InlineData("[mail](mailto:someone@example.com)", "mailto:someone@example.com")]
    [InlineData("<https://example.com/x>", "https://example.com/x")]
    [InlineData("see https://example.com/y for more", "https://example.com/y")]
    public void Http_https_and_mailto_links_stay_links_that_open_apart(string reply, string href)
    {
        var html = ReplyMarkdown.ToHtml(reply);

        Assert.Contains($"href=\"{href}\"", html, StringComparison.Ordinal);
        Assert.Contains("rel=\"nofollow noopener noreferrer\"", html, StringComparison.Ordinal);
        Assert.Contains("target=\"_blank\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void An_image_becomes_a_link_so_the_reply_fetches_nothing_by_itself()
    {
        var html = ReplyMarkdown.ToHtml("![a cat](https://example.com/cat.png)");

        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<a href=\"https://example.com/cat.png\"", html, StringComparison.Ordinal);
        Assert.Contains(">a cat</a>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Attribute_syntax_cannot_add_event_handlers()
    {
        var html = ReplyMarkdown.ToHtml("# Title {onclick=\"alert(1)\"}\n\n[x](https://example.com){onmouseover=alert(1)}");

        // The braces stay text; no tag gets an "on..." attribute.
        Assert.Contains("{onmouseover=alert(1)}", html, StringComparison.Ordinal);
        Assert.DoesNotMatch("<[^>]*\\son[a-z]+=", html);
    }
}
