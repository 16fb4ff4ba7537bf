"""The torchvision and timm cases, and recurrent models written out in
:mod:`tracker_pytorch.architectures`. Importing this module does not import torch.

The torchvision and timm cases declare ``requires``: they run only in the environments
that install those packages (the torch 2.14.1 pairs of ``envs/pytorch.toml``) and are
left out of the others, which say so. Image classifiers are tagged ``classifier``: their
first output is the logits. BatchNorm networks are calibrated on random images of the
input's size (``calibration_shape``, see ``architectures.calibrate_batch_norm``).

In ``full`` only, besides the costlier ones: the deep networks whose float32 rounding
alone puts some outputs beyond the numeric oracle's float32 tolerance (atol 1e-5,
rtol 1e-3): ResNet-50, Inception v3, FCN-ResNet50, ResNeSt-14d, Res2Net-50, LeViT-128S,
RAFT. Measured against eager float64, eager float32 itself misses that tolerance on
ResNeSt, Res2Net, LeViT and FCN, and ONNX Runtime's error is of the same size as
eager's: their verdict flipped between ``ok`` and ``incorrect`` with the runtime's
kernels, not with a converter's bug, until the numeric oracle was calibrated by the
source's own float32 noise (docs/oracles.md): they pass since.
"""

from __future__ import annotations

from tracker.plugin import InputSpec, ModelCase
from tracker_pytorch.catalog import ALL_SETS, BATCH, DEFAULT, SEQUENCE, image, real

FULL_ONLY = frozenset({"full"})
TORCHVISION = ("torchvision",)
TIMM = ("timm",)


def calibration(inputs: list[InputSpec], batch: int = 4) -> list[int]:
    """The shape of the random batch BatchNorm statistics are taken from."""
    return [batch, *inputs[0].shape[1:]]


def tv(case_id: str, name: str, description: str, tags: tuple[str, ...], *,
       inputs: list[InputSpec] | None = None, sets: frozenset[str] = DEFAULT, batch_norm: bool = True,
       **params) -> ModelCase:
    """``torchvision.models.get_model(name, weights=None, **params)``."""
    inputs = inputs or image()
    if batch_norm:
        params["calibration_shape"] = calibration(inputs)
    return real(case_id, "torchvision_model", inputs, description, tags=tags, sets=sets,
                requires=TORCHVISION, name=name, **params)


def tv_classifier(case_id: str, name: str, description: str, tags: tuple[str, ...] = ("cnn",),
                  **kwargs) -> ModelCase:
    return tv(case_id, name, description, (*tags, "vision", "classifier"), **kwargs)


def timm_classifier(case_id: str, name: str, description: str, tags: tuple[str, ...] = ("cnn",), *,
                    size: int = 224, sets: frozenset[str] = DEFAULT, batch_norm: bool = True,
                    **params) -> ModelCase:
    """``timm.create_model(name, pretrained=False, num_classes=1000, **params)``."""
    inputs = image(size, size)
    if batch_norm:
        params["calibration_shape"] = calibration(inputs)
    return real(case_id, "timm_model", inputs, description, tags=(*tags, "vision", "classifier"),
                sets=sets, requires=TIMM, name=name, num_classes=1000, **params)


# Segmentation heads are fully convolutional and resize their logits to the input's size:
# any batch, height and width
SEGMENTATION_INPUT = [InputSpec("pixel_values", (1, 3, 256, 256), kind="image",
                                dynamic=((0, "batch"), (2, "height"), (3, "width")))]
# Detectors return a list per image (their batch unbound into images): a fixed batch
DETECTION_INPUT = [InputSpec("pixel_values", (1, 3, 320, 320), kind="image")]
# 8 frames of 112x112, the clip size of torchvision's Kinetics-400 video models
VIDEO_INPUT = [InputSpec("video", (1, 3, 8, 112, 112), kind="image", dynamic=BATCH)]
FRAMES = [InputSpec(name, (1, 3, 128, 128), kind="image", dynamic=BATCH) for name in ("image1", "image2")]

TORCHVISION_CASES = [
    # -- classifiers
    tv_classifier("tv-resnet18", "resnet18", "ResNet-18 (torchvision): basic blocks, BatchNorm",
                  sets=ALL_SETS),
    tv_classifier("tv-resnet50", "resnet50", "ResNet-50 (torchvision): bottleneck blocks", sets=FULL_ONLY),
    tv_classifier("tv-mobilenet-v3-small", "mobilenet_v3_small",
                  "MobileNetV3-Small: hard-swish, squeeze-excitation with hard-sigmoid", sets=ALL_SETS),
    tv_classifier("tv-mobilenet-v3-large", "mobilenet_v3_large", "MobileNetV3-Large"),
    tv_classifier("tv-efficientnet-b0", "efficientnet_b0",
                  "EfficientNet-B0 (torchvision): SiLU, squeeze-excitation, stochastic depth (off in eval)"),
    tv_classifier("tv-efficientnet-v2-s", "efficientnet_v2_s", "EfficientNetV2-S: fused MBConv blocks",
                  sets=FULL_ONLY),
    tv_classifier("tv-regnet-y-400mf", "regnet_y_400mf", "RegNetY-400MF: grouped convolutions, SE",
                  sets=FULL_ONLY),
    tv_classifier("tv-densenet121", "densenet121", "DenseNet-121: concatenated dense blocks", sets=FULL_ONLY),
    tv_classifier("tv-squeezenet1-1", "squeezenet1_1", "SqueezeNet 1.1: fire modules, ceil-mode max pooling"),
    tv_classifier("tv-shufflenet-v2", "shufflenet_v2_x1_0", "ShuffleNetV2 x1.0: channel shuffle, split"),
    tv_classifier("tv-mnasnet1-0", "mnasnet1_0", "MnasNet 1.0", sets=FULL_ONLY),
    tv_classifier("tv-googlenet", "googlenet", "GoogLeNet (Inception v1), without the auxiliary heads",
                  init_weights=True, aux_logits=False),
    tv_classifier("tv-inception-v3", "inception_v3", "Inception v3 at 299x299, without the auxiliary head",
                  inputs=image(299, 299), init_weights=True, aux_logits=False, sets=FULL_ONLY),
    tv_classifier("tv-convnext-tiny", "convnext_tiny", "ConvNeXt-T (torchvision): LayerNorm2d, layer scale",
                  batch_norm=False),
    tv_classifier("tv-swin-t", "swin_t", "Swin-T (torchvision): shifted windows, relative position bias",
                  tags=("transformer",), batch_norm=False),
    tv_classifier("tv-maxvit-t", "maxvit_t", "MaxViT-T: MBConv, block and grid attention",
                  tags=("cnn", "transformer"), sets=FULL_ONLY),
    real("tv-vit-s16", "torchvision_vit", image(),
         "torchvision's VisionTransformer at ViT-S/16 sizes, 6 layers (vit_b_16 has 12 of width 768)",
         tags=("transformer", "vision", "classifier"), requires=TORCHVISION,
         image_size=224, patch_size=16, num_layers=6, num_heads=6, hidden_dim=384, mlp_dim=1536),
    # -- dense prediction
    tv("tv-deeplabv3-mobilenet-v3", "deeplabv3_mobilenet_v3_large",
       "DeepLabV3 on MobileNetV3-Large: atrous spatial pyramid pooling, bilinear upsampling to the input",
       ("cnn", "vision", "segmentation"), inputs=SEGMENTATION_INPUT, weights_backbone=None),
    tv("tv-lraspp-mobilenet-v3", "lraspp_mobilenet_v3_large",
       "LR-ASPP on MobileNetV3-Large: lite segmentation head with a pooled attention branch",
       ("cnn", "vision", "segmentation"), inputs=SEGMENTATION_INPUT, weights_backbone=None),
    tv("tv-fcn-resnet50", "fcn_resnet50", "FCN on a dilated ResNet-50", ("cnn", "vision", "segmentation"),
       inputs=SEGMENTATION_INPUT, weights_backbone=None, sets=FULL_ONLY),
    real("tv-ssdlite320", "torchvision_detector", DETECTION_INPUT,
         "SSDLite320 on MobileNetV3-Large, eval mode: anchors, box decoding, score threshold, batched NMS",
         tags=("cnn", "vision", "detection"), requires=TORCHVISION, name="ssdlite320_mobilenet_v3_large",
         calibration_shape=calibration(DETECTION_INPUT)),
    # Random weights score every box near 1/91: no score threshold, and only the 20 best
    # boxes, whose scores lie furthest apart (>= 4e-7; among the best 100, neighbours are
    # 7e-9 apart, closer than float32 rounding keeps them, so any runtime reorders them).
    # RetinaNet is left out for that reason: its head's prior bias puts its 300 best
    # scores 1e-8 apart, and ONNX Runtime's differ from eager by 3e-6.
    real("tv-fasterrcnn-mobilenet-v3-320", "torchvision_detector", DETECTION_INPUT,
         "Faster R-CNN on MobileNetV3-Large FPN at 320, eval mode: RPN, MultiScaleRoIAlign, NMS; "
         "no score threshold, the 20 best boxes",
         tags=("cnn", "vision", "detection"), requires=TORCHVISION,
         name="fasterrcnn_mobilenet_v3_large_320_fpn", box_score_thresh=0.0, box_detections_per_img=20,
         calibration_shape=calibration(DETECTION_INPUT)),
    # -- video and optical flow
    # not tagged `classifier`: the adversarial attacks of the robustness oracle (32 clips,
    # 11 gradient steps each) took 410 s of its 464 s in the default sweep
    tv("tv-r3d-18", "r3d_18", "ResNet3D-18 video classifier (Kinetics-400 head) on an 8-frame 112x112 clip",
       ("cnn", "video"), inputs=VIDEO_INPUT),
    real("tv-raft-small", "torchvision_raft", FRAMES,
         "RAFT-small optical flow on two 128x128 frames: correlation pyramid, grid_sample lookups, "
         "a ConvGRU refined 6 times (the last flow is the output)",
         tags=("cnn", "recurrent", "vision", "optical-flow"), requires=TORCHVISION,
         name="raft_small", num_flow_updates=6, sets=FULL_ONLY),
]

TIMM_CASES = [
    timm_classifier("timm-efficientnet-b0", "efficientnet_b0",
                    "EfficientNet-B0 (timm's implementation): BatchNormAct, SiLU, squeeze-excitation",
                    sets=FULL_ONLY),
    timm_classifier("timm-mobilevitv2-050", "mobilevitv2_050",
                    "MobileViTv2-0.5: separable linear self-attention over unfolded patches",
                    tags=("cnn", "transformer"), size=256),
    timm_classifier("timm-levit-128s", "levit_128s",
                    "LeViT-128S: convolutional stem, attention with learned biases, hard-swish",
                    tags=("transformer",), sets=FULL_ONLY),
    real("timm-convmixer", "timm_convmixer", image(),
         "ConvMixer-256/8 (timm's class at dim 256, depth 8, 9x9 depthwise kernels, patch 7)",
         tags=("cnn", "vision", "classifier"), requires=TIMM,
         dim=256, depth=8, kernel_size=9, patch_size=7, calibration_shape=[4, 3, 224, 224]),
    timm_classifier("timm-coatnet-nano", "coatnet_nano_rw_224",
                    "CoAtNet-nano (rw): MBConv stages then relative-position attention",
                    tags=("cnn", "transformer")),
    timm_classifier("timm-maxvit-nano", "maxvit_nano_rw_256",
                    "MaxViT-nano (rw) at 256: block and grid attention", tags=("cnn", "transformer"),
                    size=256),
    timm_classifier("timm-resnest14d", "resnest14d", "ResNeSt-14d: split attention (radix softmax)",
                    sets=FULL_ONLY),
    timm_classifier("timm-ghostnet-100", "ghostnet_100", "GhostNet 1.0: cheap ghost features, SE",
                    sets=FULL_ONLY),
    timm_classifier("timm-mobilenetv4-small", "mobilenetv4_conv_small",
                    "MobileNetV4-Conv-Small: universal inverted bottlenecks", sets=ALL_SETS),
    timm_classifier("timm-fastvit-t8", "fastvit_t8",
                    "FastViT-T8 (train-time form): RepMixer, large-kernel convolutions"),
    timm_classifier("timm-efficientvit-b0", "efficientvit_b0",
                    "EfficientViT-B0 (MIT): ReLU linear attention", tags=("cnn", "transformer")),
    timm_classifier("timm-repvit-m1", "repvit_m1", "RepViT-M1 (train-time form)", sets=FULL_ONLY),
    timm_classifier("timm-tiny-vit-5m", "tiny_vit_5m_224", "TinyViT-5M: window attention, MBConv stem",
                    tags=("cnn", "transformer"), sets=FULL_ONLY),
    timm_classifier("timm-edgenext-xx-small", "edgenext_xx_small",
                    "EdgeNeXt-XXS: split depthwise transposed attention", tags=("cnn", "transformer")),
    timm_classifier("timm-hrnet-w18-small", "hrnet_w18_small",
                    "HRNet-W18-small: parallel multi-resolution branches fused by upsampling",
                    sets=FULL_ONLY),
    timm_classifier("timm-dla34", "dla34", "DLA-34: deep layer aggregation trees", sets=FULL_ONLY),
    timm_classifier("timm-rexnet-100", "rexnet_100", "ReXNet 1.0: SiLU, squeeze-excitation",
                    sets=FULL_ONLY),
    timm_classifier("timm-nf-regnet-b0", "nf_regnet_b0",
                    "NF-RegNet-B0: normalizer-free, scaled weight standardization", batch_norm=False,
                    sets=FULL_ONLY),
    timm_classifier("timm-eva02-tiny", "eva02_tiny_patch14_224",
                    "EVA-02-Ti/14: rotary position embeddings, SwiGLU", tags=("transformer",),
                    batch_norm=False),
    timm_classifier("timm-xcit-nano", "xcit_nano_12_p16_224",
                    "XCiT-nano/16: cross-covariance attention, class-attention layers",
                    tags=("transformer",), sets=FULL_ONLY),
    timm_classifier("timm-cait-xxs24", "cait_xxs24_224", "CaiT-XXS24: talking heads, class attention",
                    tags=("transformer",), batch_norm=False, sets=FULL_ONLY),
    timm_classifier("timm-pit-ti", "pit_ti_224", "PiT-Ti: pooling by depthwise convolution",
                    tags=("transformer",), batch_norm=False, sets=FULL_ONLY),
    timm_classifier("timm-gcvit-xxtiny", "gcvit_xxtiny", "GCViT-XXT: global context attention",
                    tags=("cnn", "transformer"), sets=FULL_ONLY),
    timm_classifier("timm-mixnet-s", "mixnet_s", "MixNet-S: mixed depthwise kernel sizes",
                    sets=FULL_ONLY),
    timm_classifier("timm-res2net50", "res2net50_14w_8s", "Res2Net-50 14w-8s: hierarchical splits",
                    sets=FULL_ONLY),
    timm_classifier("timm-vovnet19-dw", "ese_vovnet19b_dw", "ESE-VoVNet-19-dw: one-shot aggregation",
                    sets=FULL_ONLY),
    timm_classifier("timm-hgnetv2-b0", "hgnetv2_b0", "HGNetV2-B0 (PP-HGNet): learnable affine blocks",
                    sets=FULL_ONLY),
    timm_classifier("timm-inception-next-atto", "inception_next_atto",
                    "InceptionNeXt-atto: inception depthwise convolution", sets=FULL_ONLY),
    timm_classifier("timm-cs3darknet-s", "cs3darknet_s", "CS3-DarkNet-S: cross-stage partial blocks",
                    sets=FULL_ONLY),
    timm_classifier("timm-poolformerv2-s12", "poolformerv2_s12", "PoolFormerV2-S12: StarReLU",
                    batch_norm=False, sets=FULL_ONLY),
    timm_classifier("timm-resmlp-12", "resmlp_12_224", "ResMLP-12: affine normalization, token MLP",
                    tags=("mlp",), batch_norm=False, sets=FULL_ONLY),
    timm_classifier("timm-gmlp-ti16", "gmlp_ti16_224", "gMLP-Ti/16: spatial gating units",
                    tags=("mlp",), batch_norm=False, sets=FULL_ONLY),
    timm_classifier("timm-pvt-v2-b0", "pvt_v2_b0", "PVTv2-B0: spatial-reduction attention",
                    tags=("transformer",), batch_norm=False, sets=FULL_ONLY),
    timm_classifier("timm-lcnet-050", "lcnet_050", "PP-LCNet-0.5: hard-swish, depthwise separable",
                    sets=FULL_ONLY),
    timm_classifier("timm-davit-tiny", "davit_tiny", "DaViT-T: dual spatial and channel attention",
                    tags=("transformer",), sets=FULL_ONLY),
    timm_classifier("timm-focalnet-tiny", "focalnet_tiny_srf", "FocalNet-T (SRF): focal modulation",
                    tags=("transformer",), sets=FULL_ONLY),
    timm_classifier("timm-starnet-s1", "starnet_s1", "StarNet-S1: element-wise multiplication blocks",
                    sets=FULL_ONLY),
    timm_classifier("timm-mambaout-femto", "mambaout_femto", "MambaOut-femto: gated CNN blocks",
                    batch_norm=False, sets=FULL_ONLY),
    timm_classifier("timm-efficientformerv2-s0", "efficientformerv2_s0",
                    "EfficientFormerV2-S0: attention with talking heads in 4D", tags=("cnn", "transformer"),
                    sets=FULL_ONLY),
    timm_classifier("timm-swinv2-cr-tiny", "swinv2_cr_tiny_ns_224",
                    "Swin V2 (cr) T: scaled cosine attention, log-spaced continuous position bias",
                    tags=("transformer",), batch_norm=False, sets=FULL_ONLY),
    timm_classifier("timm-crossvit-tiny", "crossvit_tiny_240", "CrossViT-Ti at 240: two patch sizes, "
                    "cross-attention between branches", tags=("transformer",), size=240, batch_norm=False,
                    sets=FULL_ONLY),
]

RECURRENT_CASES = [
    real("crnn", "crnn",
         [InputSpec("image", (1, 1, 32, 128), kind="image", dynamic=((0, "batch"), (3, "width")))],
         "CRNN text-line recognizer: VGG-style convolutions, two bidirectional LSTM layers over the "
         "feature columns, CTC log-probabilities over 36 characters and the blank",
         tags=("cnn", "recurrent", "vision", "ocr"), classes=37, calibration_shape=[4, 1, 32, 128]),
    real("lstm-lm", "lstm_lm",
         [InputSpec("input_ids", (1, 32), "int64", kind="tokens", high=10000, dynamic=SEQUENCE)],
         "Word-level LSTM language model (AWD-LSTM at inference): 2 layers of 256, tied decoder, "
         "10,000-word vocabulary; next-token logits and the final states",
         tags=("recurrent", "nlp", "decoder"), vocab=10000, size=256, layers=2),
]

CASES = [*TORCHVISION_CASES, *TIMM_CASES, *RECURRENT_CASES]
