using System.Net.Http.Json;

namespace CustomGpt.ModelApi.Tests;

public class ProcessTests
{
    [Fact]
    public async Task Two_processes_give_byte_identical_text_for_the_same_seed()
    {
        var texts = new List<string>();
        // Two separate processes with the same settings (THREADS=1: the same kernels and the same order of sums).
        for (var process = 0; process < 2; process++)
        {
            using var api = await new ModelApiProcess(TestModels.Tiny).ReadyAsync();
            using var http = new HttpClient { BaseAddress = api.Address };
            using var response = await http.PostAsJsonAsync("/generate", new { seed = 1234, temperature = 0.9, num_chars = 300, prompt = "the lazy dog", ignore_eos = true });
            Assert.True(response.IsSuccessStatusCode);
            texts.Add(Api.Parse<GenerateResponse>(await response.Content.ReadAsStringAsync()).GeneratedText);
        }
        Assert.Equal(300, Api.CharCount(texts[0]));
        Assert.Equal(texts[0], texts[1]);
    }
}
