using System.Text.Json.Nodes;
using Qcqa.Core.Checkpoints;

namespace Qcqa.Core.Synthetic;

/// <summary>The non-weight files of a synthetic model folder: config, shard index and tokenizer stand-ins.</summary>
internal static class SyntheticFolderFiles
{
    /// <summary>Writes <c>model.safetensors.index.json</c> for the shards (weight map sorted by tensor name).</summary>
    internal static void WriteIndex(string folder, List<List<SyntheticTensor>> shards, string[] names)
    {
        var map = new JsonObject();
        foreach (var (shard, name) in shards.Zip(names))
            foreach (var tensor in shard.OrderBy(t => t.Declaration.Name, StringComparer.Ordinal)) map[tensor.Declaration.Name] = name;
        var index = new JsonObject
        {
            ["metadata"] = new JsonObject { ["total_size"] = shards.Sum(s => s.Sum(t => t.Declaration.ByteLength)) },
            ["weight_map"] = map,
        };
        File.WriteAllText(Path.Combine(folder, ShardIndex.FileName), ModelConfig.Serialize(index));
    }

    /// <summary>A Llama <c>config.json</c> that Transformers' LlamaForCausalLM and the reference forward pass load.</summary>
    internal static JsonObject Config(SyntheticCheckpointOptions o) => new()
    {
        ["architectures"] = new JsonArray("LlamaForCausalLM"),
        ["attention_bias"] = o.Biases,
        ["attention_dropout"] = 0.0,
        ["bos_token_id"] = 1,
        ["eos_token_id"] = 2,
        ["head_dim"] = o.HeadDim,
        ["hidden_act"] = "silu",
        ["hidden_size"] = o.Hidden,
        ["initializer_range"] = o.WeightStd,
        ["intermediate_size"] = o.Intermediate,
        ["max_position_embeddings"] = 2048,
        ["mlp_bias"] = false,
        ["model_type"] = "llama",
        ["num_attention_heads"] = o.Heads,
        ["num_hidden_layers"] = o.Layers,
        ["num_key_value_heads"] = o.EffectiveKvHeads,
        ["pretraining_tp"] = 1,
        ["rms_norm_eps"] = 1e-5,
        ["rope_scaling"] = null,
        ["rope_theta"] = 10000.0,
        ["tie_word_embeddings"] = false,
        ["torch_dtype"] = o.Dtype.TorchName(),
        ["use_cache"] = true,
        ["vocab_size"] = o.Vocab,
    };

    // The files a real model folder carries besides weights. The tokenizer is a real byte-level BPE tokenizer.json
    // without merges whose ids are the byte values (extra vocabulary rows get placeholder tokens), so a synthetic
    // model with vocab_size 256 reads text exactly as UTF-8 bytes; a smaller vocabulary covers bytes 0..vocab-1.
    internal static void WriteExtraFiles(string folder, SyntheticCheckpointOptions o)
    {
        var vocab = new JsonObject();
        for (var i = 0; i < o.Vocab; i++) vocab[i < 256 ? ByteLevelAlphabet.Of((byte)i).ToString() : $"<extra_{i}>"] = i;
        var tokenizer = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true },
            ["post_processor"] = null,
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true },
            ["model"] = new JsonObject { ["type"] = "BPE", ["vocab"] = vocab, ["merges"] = new JsonArray(), ["byte_fallback"] = false },
        };
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), ModelConfig.Serialize(tokenizer));
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), ModelConfig.Serialize(new JsonObject { ["model_max_length"] = 2048, ["tokenizer_class"] = "PreTrainedTokenizerFast" }));
        File.WriteAllText(Path.Combine(folder, "generation_config.json"), ModelConfig.Serialize(new JsonObject { ["bos_token_id"] = 1, ["eos_token_id"] = 2 }));
    }
}
