"""The PyTorch cases. Importing this module does not import torch."""

from __future__ import annotations

from tracker.plugin import InputSpec, ModelCase

ALL_SETS = frozenset({"smoke", "default", "full"})
DEFAULT = frozenset({"default", "full"})


def unit(case_id: str, cls: str, inputs: list[InputSpec], description: str,
         sets: frozenset[str] = ALL_SETS, **params) -> ModelCase:
    return ModelCase(
        id=case_id,
        framework="pytorch",
        builder=f"tracker_pytorch.units:{cls}",
        params=params,
        inputs=tuple(inputs),
        kind="unit",
        sets=sets,
        description=description,
    )


def real(case_id: str, builder: str, inputs: list[InputSpec], description: str,
         tags: tuple[str, ...] = (), sets: frozenset[str] = DEFAULT, requires: tuple[str, ...] = (),
         **params) -> ModelCase:
    """A published architecture built by ``tracker_pytorch.architectures.<builder>(**params)``;
    ``requires``: the modules it needs beyond torch and transformers (``torchvision``)."""
    return ModelCase(
        id=case_id,
        framework="pytorch",
        builder=f"tracker_pytorch.architectures:{builder}",
        params=params,
        inputs=tuple(inputs),
        kind="real",
        sets=sets,
        tags=tags,
        description=description,
        requires=requires,
    )


def hf(case_id: str, model_class: str, config_class: str, config: dict, inputs: list[InputSpec],
       description: str, tags: tuple[str, ...], sets: frozenset[str] = DEFAULT,
       **params) -> ModelCase:
    """A transformers model from its config; ``inputs`` are named after its forward arguments."""
    return real(case_id, "hf_model", inputs, description, tags=tags, sets=sets,
                model_class=model_class, config_class=config_class, config=config,
                argument_names=[spec.name for spec in inputs], **params)


# Dimensions a converter may export as dynamic (InputSpec.dynamic), declared where the
# architecture takes any size: the batch of every real model, the sequence of text.
# Image sides stay static: position embeddings, windows and fixed-size heads tie most
# vision models to their input size.
BATCH = ((0, "batch"),)
SEQUENCE = ((0, "batch"), (1, "sequence"))


def image(height: int = 224, width: int = 224) -> list[InputSpec]:
    """One ImageNet-normalized RGB image, NCHW, dynamic batch."""
    return [InputSpec("pixel_values", (1, 3, height, width), kind="image", dynamic=BATCH)]


def text(batch: int, length: int, vocab: int, *, token_types: bool = False) -> list[InputSpec]:
    """Token ids inside the vocabulary with a padding mask (and token types), dynamic
    batch and sequence."""
    specs = [InputSpec("input_ids", (batch, length), "int64", kind="tokens", high=vocab, dynamic=SEQUENCE),
             InputSpec("attention_mask", (batch, length), "int64", kind="mask", dynamic=SEQUENCE)]
    if token_types:
        specs.append(InputSpec("token_type_ids", (batch, length), "int64", kind="tokens", high=2,
                               dynamic=SEQUENCE))
    return specs


def decoder_ids(length: int, vocab: int) -> InputSpec:
    """The decoder's token ids of an encoder-decoder model: a sequence of its own."""
    return InputSpec("decoder_input_ids", (1, length), "int64", kind="tokens", high=vocab,
                     dynamic=((0, "batch"), (1, "decoder_sequence")))


def floats(name: str, shape: tuple[int, ...], **kwargs) -> InputSpec:
    return InputSpec(name, shape, **kwargs)


def ints(name: str, shape: tuple[int, ...], low: int, high: int) -> InputSpec:
    """int64 values in [low, high)."""
    return InputSpec(name, shape, "int64", kind="int", low=low, high=high)


def bools(name: str, shape: tuple[int, ...]) -> InputSpec:
    return InputSpec(name, shape, "bool", kind="bool")


IMAGENET = {"num_labels": 1000}

# BatchNorm networks get the statistics of a batch of random images (see
# architectures.calibrate_batch_norm): at their initial statistics the outputs are ~0
CALIBRATION = [4, 3, 224, 224]

RESNET18 = {"layer_type": "basic", "depths": [2, 2, 2, 2], "hidden_sizes": [64, 128, 256, 512],
            "embedding_size": 64}

REAL_CASES = [
    # -- convolutional image classifiers
    hf("hf-resnet", "ResNetForImageClassification", "ResNetConfig", RESNET18 | IMAGENET, image(),
       "ResNet-18 (ResNetConfig basic blocks, depths 2-2-2-2), ImageNet head",
       tags=("cnn", "vision", "classifier"), sets=ALL_SETS, calibration_shape=CALIBRATION),
    hf("hf-convnext", "ConvNextForImageClassification", "ConvNextConfig", IMAGENET, image(),
       "ConvNeXt-T (facebook/convnext-tiny-224 config): depthwise 7x7 conv, LayerNorm, GELU",
       tags=("cnn", "vision", "classifier")),
    hf("hf-mobilenet-v2", "MobileNetV2ForImageClassification", "MobileNetV2Config",
       {"num_labels": 1001}, image(),
       "MobileNetV2 1.0 (google/mobilenet_v2_1.0_224 config): inverted residuals, ReLU6, "
       "TF-style dynamic padding",
       tags=("cnn", "vision", "classifier"), sets=ALL_SETS, calibration_shape=CALIBRATION),
    hf("hf-efficientnet", "EfficientNetForImageClassification", "EfficientNetConfig",
       {"width_coefficient": 1.0, "depth_coefficient": 1.0, "image_size": 224, "hidden_dim": 1280,
        "dropout_rate": 0.2} | IMAGENET, image(),
       "EfficientNet-B0 (google/efficientnet-b0 config): squeeze-excitation, SiLU, depthwise conv",
       tags=("cnn", "vision", "classifier"), calibration_shape=CALIBRATION),
    hf("hf-regnet", "RegNetForImageClassification", "RegNetConfig",
       {"layer_type": "x", "depths": [1, 1, 4, 7], "hidden_sizes": [24, 56, 152, 368],
        "groups_width": 8, "embedding_size": 32} | IMAGENET, image(),
       "RegNetX-200MF (facebook/regnet-x-002 config): grouped convolutions",
       tags=("cnn", "vision", "classifier"), calibration_shape=CALIBRATION),
    # -- vision transformers
    hf("hf-vit", "ViTForImageClassification", "ViTConfig",
       {"hidden_size": 192, "num_hidden_layers": 12, "num_attention_heads": 3,
        "intermediate_size": 768} | IMAGENET, image(),
       "ViT-Ti/16 (facebook/deit-tiny-patch16-224 sizes) with the ViT code",
       tags=("transformer", "vision", "classifier"), sets=ALL_SETS),
    hf("hf-swin", "SwinForImageClassification", "SwinConfig", IMAGENET, image(),
       "Swin-T (microsoft/swin-tiny-patch4-window7-224 config): shifted windows, "
       "relative position bias",
       tags=("transformer", "vision", "classifier")),
    # -- dense prediction
    hf("hf-segformer", "SegformerForSemanticSegmentation", "SegformerConfig", {"num_labels": 150},
       image(256, 256),
       "SegFormer-B0 (nvidia/segformer-b0-finetuned-ade-512-512 config, 256x256 input): "
       "efficient attention, bilinear decode head",
       tags=("transformer", "vision", "segmentation"), calibration_shape=[4, 3, 256, 256]),
    hf("hf-detr", "DetrForObjectDetection", "DetrConfig",
       {"use_timm_backbone": False, "use_pretrained_backbone": False, "backbone": None,
        "backbone_config": {"model_type": "resnet", "out_features": ["stage4"]} | RESNET18,
        "num_labels": 91},
       image(256, 384),
       "DETR (facebook/detr-resnet-50 transformer: 6+6 layers, 100 queries) on a ResNet-18 "
       "backbone, 256x384 input: sine position embedding, nearest-resized pixel mask",
       tags=("transformer", "vision", "detection")),
    hf("hf-yolos", "YolosForObjectDetection", "YolosConfig",
       {"hidden_size": 192, "num_hidden_layers": 12, "num_attention_heads": 3,
        "intermediate_size": 768, "image_size": [800, 1333], "use_mid_position_embeddings": False,
        "num_labels": 91},
       image(256, 384),
       "YOLOS-Ti (hustvl/yolos-tiny config), 256x384 input: position embeddings resized "
       "bicubically",
       tags=("transformer", "vision", "detection")),
    # -- language models
    hf("hf-bert", "BertModel", "BertConfig",
       {"hidden_size": 256, "num_hidden_layers": 4, "num_attention_heads": 4,
        "intermediate_size": 1024},
       text(2, 64, 30522, token_types=True),
       "BERT-mini (google/bert_uncased_L-4_H-256_A-4 config): encoder with padding mask and pooler",
       tags=("transformer", "nlp", "encoder"), sets=ALL_SETS),
    hf("hf-distilbert", "DistilBertModel", "DistilBertConfig", {}, text(2, 64, 30522),
       "DistilBERT (distilbert-base-uncased config): 6-layer encoder with padding mask",
       tags=("transformer", "nlp", "encoder")),
    hf("hf-gpt2", "GPT2LMHeadModel", "GPT2Config",
       {"n_layer": 6, "use_cache": False}, text(1, 64, 50257),
       "DistilGPT2 (distilgpt2 config: GPT-2 with 6 layers), causal LM head, no KV cache",
       tags=("transformer", "nlp", "decoder")),
    hf("hf-t5", "T5ForConditionalGeneration", "T5Config",
       {"use_cache": False},
       [*text(1, 32, 32128), decoder_ids(16, 32128)],
       "T5-small (google-t5/t5-small config): relative position buckets, RMS norm, tied LM head",
       tags=("transformer", "nlp", "encoder-decoder")),
    # -- speech
    hf("hf-whisper", "WhisperForConditionalGeneration", "WhisperConfig",
       {"use_cache": False},
       [InputSpec("input_features", (1, 80, 3000), kind="audio", dynamic=BATCH), decoder_ids(16, 51865)],
       "Whisper-tiny (openai/whisper-tiny config): 30 s of 80-bin log-mel, 16 decoder tokens",
       tags=("transformer", "audio", "encoder-decoder")),
    hf("hf-wav2vec2", "Wav2Vec2ForCTC", "Wav2Vec2Config", {},
       [InputSpec("input_values", (1, 16000), kind="audio", dynamic=BATCH)],
       "Wav2Vec2-base (facebook/wav2vec2-base-960h config): conv feature encoder, weight-normed "
       "positional conv, CTC head; 1 s of 16 kHz audio",
       tags=("transformer", "audio")),
]

# More architectures, small configurations of published families: in the `full` set
# only (the default sweep stays within its time budget), but for the cheapest, which give
# the torch 2.13.0 pairs (no torchvision, no timm) their share of real models.
FULL_ONLY = frozenset({"full"})
SMALL_LM = {"hidden_size": 256, "num_hidden_layers": 4, "num_attention_heads": 4,
            "intermediate_size": 1024, "use_cache": False}


def lm(case_id: str, model_class: str, config_class: str, config: dict, vocab: int, description: str,
       tags: tuple[str, ...] = ("transformer", "nlp", "decoder"), mask: bool = True,
       sets: frozenset[str] = FULL_ONLY) -> ModelCase:
    ids = InputSpec("input_ids", (1, 32), "int64", kind="tokens", high=vocab, dynamic=SEQUENCE)
    inputs = text(1, 32, vocab) if mask else [ids]
    return hf(case_id, model_class, config_class, config, inputs, description, tags=tags, sets=sets)


SMALL_SEQ2SEQ = {"d_model": 256, "encoder_layers": 3, "decoder_layers": 3, "encoder_attention_heads": 4,
                 "decoder_attention_heads": 4, "encoder_ffn_dim": 1024, "decoder_ffn_dim": 1024,
                 "use_cache": False}


def seq2seq(case_id: str, model_class: str, config_class: str, vocab: int, description: str,
            sets: frozenset[str] = FULL_ONLY) -> ModelCase:
    inputs = [*text(1, 32, vocab), decoder_ids(16, vocab)]
    return hf(case_id, model_class, config_class, SMALL_SEQ2SEQ, inputs, description,
              tags=("transformer", "nlp", "encoder-decoder"), sets=sets)


MORE_REAL_CASES = [
    hf("hf-deit", "DeiTForImageClassification", "DeiTConfig",
       {"hidden_size": 192, "num_hidden_layers": 12, "num_attention_heads": 3, "intermediate_size": 768}
       | IMAGENET, image(), "DeiT-Ti (facebook/deit-tiny-patch16-224 sizes)",
       tags=("transformer", "vision", "classifier"), sets=FULL_ONLY),
    hf("hf-beit", "BeitForImageClassification", "BeitConfig",
       {"hidden_size": 192, "num_hidden_layers": 6, "num_attention_heads": 3, "intermediate_size": 768,
        "use_relative_position_bias": True} | IMAGENET, image(),
       "BEiT with relative position bias, 6 layers of ViT-Ti width",
       tags=("transformer", "vision", "classifier"), sets=FULL_ONLY),
    hf("hf-mobilevit", "MobileViTForImageClassification", "MobileViTConfig", IMAGENET, image(256, 256),
       "MobileViT-S (apple/mobilevit-small config): convolutions unfolded into transformer patches",
       tags=("cnn", "transformer", "vision", "classifier"), sets=FULL_ONLY,
       calibration_shape=[4, 3, 256, 256]),
    hf("hf-dinov2", "Dinov2Model", "Dinov2Config",
       {"hidden_size": 192, "num_hidden_layers": 6, "num_attention_heads": 3}, image(),
       "DINOv2 backbone at ViT-Ti width: interpolated position embeddings, layer scale",
       tags=("transformer", "vision")),
    hf("hf-convnextv2", "ConvNextV2ForImageClassification", "ConvNextV2Config", IMAGENET, image(),
       "ConvNeXt V2-T: global response normalization", tags=("cnn", "vision", "classifier"), sets=FULL_ONLY),
    hf("hf-poolformer", "PoolFormerForImageClassification", "PoolFormerConfig", IMAGENET, image(),
       "PoolFormer-S12 (sail/poolformer_s12 config): pooling as token mixer, GroupNorm",
       tags=("cnn", "vision", "classifier"), sets=FULL_ONLY),
    hf("hf-clip-vision", "CLIPVisionModel", "CLIPVisionConfig",
       {"hidden_size": 256, "num_hidden_layers": 4, "num_attention_heads": 4, "intermediate_size": 1024},
       image(), "CLIP vision tower (quick GELU, pre-LayerNorm), 4 layers", tags=("transformer", "vision"),
       sets=FULL_ONLY),
    hf("hf-albert", "AlbertModel", "AlbertConfig",
       {"embedding_size": 128, "hidden_size": 256, "num_hidden_layers": 6, "num_attention_heads": 4,
        "intermediate_size": 1024}, text(2, 64, 30000),
       "ALBERT at width 256: one layer shared 6 times, factorized embeddings (base: 111 s to export)",
       tags=("transformer", "nlp", "encoder"), sets=FULL_ONLY),
    hf("hf-roberta", "RobertaModel", "RobertaConfig", SMALL_LM, text(2, 64, 50265),
       "RoBERTa at BERT-mini size: padding-aware position ids", tags=("transformer", "nlp", "encoder")),
    hf("hf-electra", "ElectraModel", "ElectraConfig", {}, text(2, 64, 30522),
       "ELECTRA-small discriminator (google/electra-small-discriminator config)",
       tags=("transformer", "nlp", "encoder")),
    seq2seq("hf-bart", "BartForConditionalGeneration", "BartConfig", 50265,
            "BART, 3+3 layers at width 256: learned positions, tied LM head", sets=DEFAULT),
    seq2seq("hf-marian", "MarianMTModel", "MarianConfig", 58101,
            "MarianMT, 3+3 layers: sinusoidal positions, final logits bias"),
    lm("hf-gpt-neo", "GPTNeoForCausalLM", "GPTNeoConfig",
       {"hidden_size": 256, "num_layers": 4, "num_heads": 4, "attention_types": [[["global", "local"], 2]],
        "window_size": 16, "use_cache": False}, 50257,
       "GPT-Neo with alternating global and local (window 16) attention"),
    lm("hf-opt", "OPTForCausalLM", "OPTConfig",
       {"hidden_size": 256, "num_hidden_layers": 4, "num_attention_heads": 4, "ffn_dim": 1024,
        "word_embed_proj_dim": 256, "use_cache": False}, 50272, "OPT at 4 layers of width 256", sets=DEFAULT),
    lm("hf-llama", "LlamaForCausalLM", "LlamaConfig", SMALL_LM | {"num_key_value_heads": 2}, 32000,
       "Llama with grouped-query attention (4 query, 2 key-value heads), RoPE, RMSNorm, SwiGLU",
       sets=DEFAULT),
    lm("hf-mistral", "MistralForCausalLM", "MistralConfig",
       SMALL_LM | {"num_key_value_heads": 2, "sliding_window": 16}, 32000,
       "Mistral with a sliding window of 16 tokens over 32", sets=DEFAULT),
    lm("hf-qwen2", "Qwen2ForCausalLM", "Qwen2Config", SMALL_LM | {"num_key_value_heads": 2}, 151936,
       "Qwen2: biased QKV projections, a 151,936-token vocabulary"),
    lm("hf-phi", "PhiForCausalLM", "PhiConfig", SMALL_LM | {"partial_rotary_factor": 0.5}, 51200,
       "Phi: parallel attention and MLP, partial rotary embeddings", sets=DEFAULT),
    lm("hf-mamba", "MambaForCausalLM", "MambaConfig",
       {"hidden_size": 256, "num_hidden_layers": 4, "state_size": 16, "use_cache": False}, 50280,
       "Mamba: a selective state-space model, scanned sequentially (no attention)",
       tags=("ssm", "recurrent", "nlp", "decoder"), mask=False),
    lm("hf-rwkv", "RwkvForCausalLM", "RwkvConfig",
       {"hidden_size": 256, "num_hidden_layers": 4, "attention_hidden_size": 256, "intermediate_size": 1024,
        "use_cache": False}, 50277, "RWKV-4: linear attention run as a recurrence",
       tags=("recurrent", "nlp", "decoder"), mask=False),
]

SMALL_IMAGE = [floats("x", (1, 3, 17, 23))]
PAD_INPUT = [floats("x", (1, 3, 6, 7))]
GRID_SAMPLE_INPUTS = [floats("x", (1, 3, 12, 16)),
                      floats("grid", (1, 8, 10, 2), kind="uniform", low=-1.2, high=1.2)]
INT_PAIR = [ints("a", (4, 8), -50, 50), ints("b", (4, 8), -9, 10)]

UNIT_CASES = [
    # -- resizing
    unit("op-resize-nearest", "Resize", SMALL_IMAGE,
         "nearest interpolation by a non-integer factor (floor of asymmetric coordinates)",
         mode="nearest", scale=1.5),
    unit("op-resize-nearest-exact", "Resize", SMALL_IMAGE,
         "nearest-exact (half-pixel) downscaling by a non-integer factor",
         mode="nearest-exact", scale=0.6),
    unit("op-resize-bilinear", "Resize", SMALL_IMAGE,
         "bilinear interpolation by a non-integer factor", mode="bilinear", scale=1.5),
    unit("op-resize-bilinear-align-corners", "Resize", SMALL_IMAGE,
         "bilinear interpolation to a size with align_corners=True",
         mode="bilinear", scale=None, size=[40, 31], align_corners=True),
    unit("op-resize-bicubic", "Resize", SMALL_IMAGE,
         "bicubic interpolation (A=-0.75) by a non-integer factor", mode="bicubic", scale=1.5),
    unit("op-resize-bicubic-align-corners", "Resize", SMALL_IMAGE,
         "bicubic interpolation to a size with align_corners=True",
         mode="bicubic", scale=None, size=[30, 50], align_corners=True),
    unit("op-resize-bilinear-antialias", "Resize", [floats("x", (1, 3, 40, 50))],
         "antialiased bilinear downscaling by 0.4 (ONNX Resize antialias needs opset 18)",
         mode="bilinear", scale=0.4, antialias=True),
    unit("op-grid-sample-bilinear", "GridSample", GRID_SAMPLE_INPUTS,
         "grid_sample bilinear, zeros padding, align_corners=False, coordinates partly outside",
         mode="bilinear", padding_mode="zeros", align_corners=False),
    unit("op-grid-sample-bicubic-reflection", "GridSample", GRID_SAMPLE_INPUTS,
         "grid_sample bicubic, reflection padding, align_corners=True",
         mode="bicubic", padding_mode="reflection", align_corners=True),
    # -- normalization
    unit("op-layer-norm", "LayerNorm", [floats("x", (2, 8, 16, 32), high=3.0)],
         "LayerNorm over the last two dimensions with a random affine", normalized_shape=[16, 32]),
    unit("op-group-norm", "GroupNorm", [floats("x", (2, 12, 9, 9), high=3.0)],
         "GroupNorm, 4 groups of 3 channels, random affine", groups=4, channels=12),
    unit("op-batch-norm-eval", "BatchNormEval", [floats("x", (2, 8, 7, 7))],
         "BatchNorm2d in eval mode with random running statistics", channels=8),
    unit("op-instance-norm", "InstanceNorm", [floats("x", (2, 6, 10, 10), high=3.0)],
         "InstanceNorm2d with affine parameters", channels=6),
    # -- indexing and scatter
    unit("op-gather", "Gather", [floats("x", (3, 10)), ints("index", (3, 6), 0, 10)],
         "torch.gather along dimension 1"),
    unit("op-index-select", "IndexSelect", [floats("x", (4, 12, 5)), ints("index", (7,), 0, 12)],
         "index_select on a middle dimension with repeated indices"),
    unit("op-scatter-add", "ScatterAdd",
         [floats("x", (4, 8)), ints("index", (4, 20), 0, 8), floats("source", (4, 20))],
         "scatter_add with duplicate indices (ScatterElements reduction=add)"),
    unit("op-index-put-accumulate", "IndexPutAccumulate",
         [floats("x", (10, 4)), ints("rows", (16,), -10, 10), floats("values", (16, 4))],
         "index_put(accumulate=True) with duplicate and negative row indices"),
    unit("op-negative-indexing", "NegativeIndexing",
         [floats("x", (5, 9, 4)), ints("index", (6,), -9, 9)],
         "advanced indexing with negative indices from an input and as constants"),
    # -- reductions
    unit("op-argmax-ties", "ArgmaxTies", [InputSpec("x", (6, 16), kind="int", low=0, high=4)],
         "argmax/argmin/max indices over small integer-valued floats "
         "(many ties: the first index wins)"),
    unit("op-logsumexp", "LogSumExp", [floats("x", (4, 32), high=60.0)],
         "logsumexp of values up to ~200, where a naive exp overflows float32"),
    unit("op-cumsum", "Cumsum", [floats("x", (3, 12)), ints("counts", (3, 12), -5, 5)],
         "cumsum forward, reversed via flip, and on int64"),
    unit("op-cumprod", "Cumprod", [floats("x", (3, 12), kind="uniform", low=0.5, high=1.5)],
         "cumprod (no ONNX operator: exporters must decompose it)"),
    unit("op-prod", "Prod", [floats("x", (4, 6, 5), kind="uniform", low=0.7, high=1.4)],
         "prod along a dimension with keepdim and over all elements"),
    unit("op-var-std", "VarStd", [floats("x", (3, 5, 7), high=3.0)],
         "var (unbiased), std (correction=0) over two dimensions, var_mean"),
    unit("op-topk", "TopK", [floats("x", (4, 10, 6))],
         "topk of the 3 smallest along a middle dimension, values and indices", k=3),
    unit("op-sort-stable", "StableSort", [InputSpec("x", (4, 16), kind="int", low=0, high=5)],
         "stable descending sort over values with ties (indices of ties keep their order)"),
    # -- recurrent layers
    unit("op-lstm-bidirectional", "LSTM", [floats("x", (2, 7, 8))],
         "2-layer bidirectional LSTM, batch first",
         input_size=8, hidden_size=16, num_layers=2, bidirectional=True),
    unit("op-lstm-projection", "LSTM", [floats("x", (2, 7, 8))],
         "LSTM with a projection of the hidden state (proj_size)",
         input_size=8, hidden_size=16, num_layers=1, bidirectional=False, proj_size=6),
    unit("op-gru", "GRU", [floats("x", (7, 2, 8)), floats("initial", (2, 2, 16))],
         "2-layer GRU, sequence first, from a given initial state",
         input_size=8, hidden_size=16, num_layers=2),
    # -- attention
    unit("op-multihead-attention", "MultiheadAttention",
         [floats("query", (2, 10, 32)), floats("memory", (2, 12, 32)),
          InputSpec("mask", (2, 12), "int64", kind="mask")],
         "nn.MultiheadAttention cross-attention with a key padding mask, averaged weights",
         embed_dim=32, num_heads=4),
    unit("op-sdpa-causal", "CausalAttention",
         [floats("query", (2, 4, 6, 8)), floats("key", (2, 4, 10, 8)),
          floats("value", (2, 4, 10, 8))],
         "scaled_dot_product_attention(is_causal=True) with 6 queries and 10 keys "
         "(PyTorch aligns the causal mask top-left)"),
    # -- integer arithmetic with negative operands
    unit("op-floor-divide", "FloorDivide", INT_PAIR,
         "int64 // and div(rounding_mode=trunc/floor) with negative operands"),
    unit("op-remainder-fmod", "RemainderFmod", [*INT_PAIR, floats("x", (4, 8), high=10.0)],
         "remainder and fmod of negative int64 and float operands (ONNX Mod fmod=0/1)"),
    unit("op-bit-shift", "BitShift", [ints("a", (4, 8), -1000, 1000), ints("shift", (4, 8), 0, 8)],
         "<< and arithmetic >> of negative int64 (ONNX BitShift is unsigned only)"),
    unit("op-bitwise-logic", "BitwiseLogic",
         [ints("a", (4, 8), -1000, 1000), ints("b", (4, 8), -1000, 1000)],
         "bitwise and/or/xor/not of negative int64 (ONNX BitwiseAnd etc. need opset 18)"),
    # -- padding
    unit("op-pad-reflect", "Pad", PAD_INPUT, "reflect padding, asymmetric",
         mode="reflect", pads=[2, 1, 1, 3]),
    unit("op-pad-replicate", "Pad", PAD_INPUT, "replicate (edge) padding, asymmetric",
         mode="replicate", pads=[2, 1, 1, 3]),
    unit("op-pad-circular", "Pad", PAD_INPUT,
         "circular padding (ONNX Pad has mode=wrap only from opset 19)",
         mode="circular", pads=[2, 1, 1, 3]),
    unit("op-pad-constant", "Pad", PAD_INPUT,
         "constant padding with a non-zero value and negative pads (cropping)",
         mode="constant", pads=[-1, 2, 3, -2], value=0.5),
    # -- dtype casts
    unit("op-cast-float-to-int", "FloatToInt",
         [floats("x", (4, 8), kind="uniform", low=-10, high=10)],
         "float to int32/int64 of negatives (truncation) and round half to even"),
    unit("op-cast-int-to-float", "IntToFloat",
         [ints("a", (4, 8), -2**40, 2**40), ints("b", (4, 8), -9, 10)],
         "int64 beyond 2**24 to float32, int64 true division, int64 to float16"),
    unit("op-float16-compute", "Float16Compute", [floats("x", (2, 8, 16))],
         "linear, GELU and softmax computed in float16 on CPU", features=16, out_features=12),
    # -- boolean masks
    unit("op-masked-fill", "MaskedFill",
         [floats("scores", (2, 4, 8, 8), high=3.0), bools("mask", (2, 1, 1, 8))],
         "masked_fill with finfo(float32).min then softmax (fully masked rows stay finite)"),
    unit("op-where", "Where",
         [bools("condition", (4, 1, 6)), floats("x", (4, 5, 6)), floats("y", (6,))],
         "torch.where with broadcasting and a scalar branch"),
    unit("op-masked-mean", "MaskedMean",
         [floats("x", (2, 10, 16)), InputSpec("mask", (2, 10), "int64", kind="mask")],
         "mean pooling over unmasked tokens without nonzero"),
    unit("op-boolean-index", "BooleanIndex", [floats("x", (4, 6)), bools("mask", (4, 6))],
         "x[mask] (output shape depends on the data) and x[mask] = 0"),
    # -- others
    unit("op-einsum", "Einsum",
         [floats("a", (2, 3, 4)), floats("b", (2, 4, 5)), floats("square", (2, 5, 5))],
         "einsum: batched matmul, batched dot product, diagonal via a repeated index"),
    unit("op-roll", "Roll", [floats("x", (2, 5, 7))],
         "torch.roll with negative shifts over two dimensions, and flattened"),
    unit("op-unfold-fold", "UnfoldFold", [floats("x", (1, 2, 9, 11))],
         "F.unfold (im2col) and F.fold (col2im, ONNX Col2Im needs opset 18), overlapping windows",
         kernel=3, stride=2, padding=1),
    unit("op-pixel-shuffle", "PixelShuffle", [floats("x", (1, 8, 6, 10))],
         "pixel_shuffle and pixel_unshuffle by 2", factor=2),
    unit("op-max-pool-ceil", "MaxPoolCeil", [floats("x", (1, 3, 10, 11))],
         "max_pool2d with ceil_mode=True and padding, with indices"),
    unit("op-avg-pool-ceil", "AvgPoolCeil", [floats("x", (1, 3, 10, 11))],
         "avg_pool2d with ceil_mode=True and count_include_pad=False"),
    unit("op-adaptive-avg-pool", "AdaptiveAvgPool", [floats("x", (1, 4, 10, 11))],
         "adaptive average pooling to 3x4, which does not divide 10x11", size=[3, 4]),
    unit("op-adaptive-max-pool", "AdaptiveMaxPool", [floats("x", (1, 4, 10, 11))],
         "adaptive max pooling to 3x4, which does not divide 10x11, with indices", size=[3, 4]),
    unit("op-conv-transpose", "ConvTranspose", [floats("x", (1, 4, 7, 9))],
         "grouped, dilated ConvTranspose2d with stride 2 and output_padding",
         in_channels=4, out_channels=6),
]

CASES = [*REAL_CASES, *MORE_REAL_CASES, *UNIT_CASES]
