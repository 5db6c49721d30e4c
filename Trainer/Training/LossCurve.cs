using System.Globalization;
using System.Security;
using System.Text;

namespace CustomGpt.Trainer.Training;

/// <summary>The loss curve as a hand-written SVG: training loss and validation loss against the step.</summary>
public static class LossCurve
{
    const double Width = 760, Height = 420, Left = 64, Right = 24, Top = 44, Bottom = 56;

    public static void Write(string path, TrainingState state) => File.WriteAllText(path, Render(state));

    public static string Render(TrainingState state)
    {
        var inv = CultureInfo.InvariantCulture;
        var train = state.Curve.Where(p => p.TrainLoss is not null).Select(p => (X: (double)p.Step, Y: p.TrainLoss!.Value)).ToList();
        var val = state.Curve.Where(p => p.ValidationLoss is not null).Select(p => (X: (double)p.Step, Y: p.ValidationLoss!.Value)).ToList();
        var all = train.Concat(val).Where(p => double.IsFinite(p.Y)).ToList();
        var maxX = Math.Max(1, all.Count == 0 ? 1 : all.Max(p => p.X));
        var minY = all.Count == 0 ? 0 : Math.Floor(all.Min(p => p.Y) * 2) / 2;
        var maxY = all.Count == 0 ? 1 : Math.Ceiling(all.Max(p => p.Y) * 2) / 2;
        if (maxY - minY < 0.5) maxY = minY + 0.5;
        double Px(double x) => Left + x / maxX * (Width - Left - Right);
        double Py(double y) => Top + (maxY - y) / (maxY - minY) * (Height - Top - Bottom);
        string F(double v) => v.ToString("0.#", inv);

        var svg = new StringBuilder();
        svg.Append(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        var title = $"{state.Name}: {state.Shape.EmbeddingLength} wide, {state.Shape.Layers} layers, context {state.Shape.ContextLength}, {state.TokensTrained / 1e6:0.##}M characters trained";
        svg.Append(inv, $"<text x=\"{Width / 2}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">{SecurityElement.Escape(title)}</text>\n");

        // Grid and axis labels.
        var yStep = Nice((maxY - minY) / 6);
        for (var y = Math.Ceiling(minY / yStep) * yStep; y <= maxY + 1e-9; y += yStep)
        {
            svg.Append(inv, $"<line x1=\"{F(Left)}\" y1=\"{F(Py(y))}\" x2=\"{F(Width - Right)}\" y2=\"{F(Py(y))}\" stroke=\"#e4e4e4\"/>\n");
            svg.Append(inv, $"<text x=\"{F(Left - 6)}\" y=\"{F(Py(y) + 4)}\" text-anchor=\"end\">{y.ToString("0.0#", inv)}</text>\n");
        }
        var xStep = Nice(maxX / 6);
        for (var x = 0.0; x <= maxX + 1e-9; x += xStep)
        {
            svg.Append(inv, $"<line x1=\"{F(Px(x))}\" y1=\"{F(Top)}\" x2=\"{F(Px(x))}\" y2=\"{F(Height - Bottom)}\" stroke=\"#f0f0f0\"/>\n");
            svg.Append(inv, $"<text x=\"{F(Px(x))}\" y=\"{F(Height - Bottom + 18)}\" text-anchor=\"middle\">{x.ToString("N0", inv)}</text>\n");
        }
        svg.Append(inv, $"<rect x=\"{F(Left)}\" y=\"{F(Top)}\" width=\"{F(Width - Left - Right)}\" height=\"{F(Height - Top - Bottom)}\" fill=\"none\" stroke=\"#888\"/>\n");
        svg.Append(inv, $"<text x=\"{F((Left + Width - Right) / 2)}\" y=\"{F(Height - 14)}\" text-anchor=\"middle\">optimizer step ({state.Shape.ContextLength} characters each)</text>\n");
        svg.Append(inv, $"<text transform=\"translate(16 {F((Top + Height - Bottom) / 2)}) rotate(-90)\" text-anchor=\"middle\">loss (nats per character)</text>\n");

        string Points(IEnumerable<(double X, double Y)> points) => string.Join(' ', points.Select(p => $"{F(Px(p.X))},{F(Py(p.Y))}"));
        if (train.Count > 0)
            svg.Append(inv, $"<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.6\" points=\"{Points(train)}\"/>\n");
        if (val.Count > 0)
        {
            svg.Append(inv, $"<polyline fill=\"none\" stroke=\"#ff7f0e\" stroke-width=\"1.6\" stroke-dasharray=\"5 3\" points=\"{Points(val)}\"/>\n");
            foreach (var p in val) svg.Append(inv, $"<circle cx=\"{F(Px(p.X))}\" cy=\"{F(Py(p.Y))}\" r=\"2.8\" fill=\"#ff7f0e\"/>\n");
        }

        // Legend, top right.
        var lx = Width - Right - 190;
        svg.Append(inv, $"<rect x=\"{F(lx)}\" y=\"{F(Top + 8)}\" width=\"180\" height=\"44\" fill=\"white\" stroke=\"#ccc\"/>\n");
        svg.Append(inv, $"<line x1=\"{F(lx + 10)}\" y1=\"{F(Top + 22)}\" x2=\"{F(lx + 36)}\" y2=\"{F(Top + 22)}\" stroke=\"#1f77b4\" stroke-width=\"2\"/>\n");
        svg.Append(inv, $"<text x=\"{F(lx + 44)}\" y=\"{F(Top + 26)}\">training loss</text>\n");
        svg.Append(inv, $"<line x1=\"{F(lx + 10)}\" y1=\"{F(Top + 40)}\" x2=\"{F(lx + 36)}\" y2=\"{F(Top + 40)}\" stroke=\"#ff7f0e\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>\n");
        svg.Append(inv, $"<text x=\"{F(lx + 44)}\" y=\"{F(Top + 44)}\">validation loss (held out)</text>\n");
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="raw"/>.</summary>
    static double Nice(double raw)
    {
        if (!(raw > 0)) return 1;
        var p = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        return raw <= p ? p : raw <= 2 * p ? 2 * p : raw <= 5 * p ? 5 * p : 10 * p;
    }
}
