"""Sequence models in Keras: a Transformer encoder over token ids with a padding mask,
recurrent networks (LSTM, GRU, bidirectional LSTM) and a 1-D convolutional keyword
spotter over audio features. Random weights, fixed seed; the cases are in
:mod:`tracker_tensorflow.catalog`.

The layers that use TensorFlow operations directly are small custom layers, so that the
functional models build with Keras 2 and Keras 3 alike (Keras 3 refuses raw TensorFlow
operations on its symbolic tensors).
"""

from __future__ import annotations

import tensorflow as tf
from tensorflow import keras


class TokenAndPositionEmbedding(keras.layers.Layer):
    """Token embedding plus a learned position embedding (positions 0..length-1)."""

    def __init__(self, vocab_size: int, max_length: int, width: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.tokens = keras.layers.Embedding(vocab_size, width)
        self.positions = keras.layers.Embedding(max_length, width)

    def call(self, ids):
        return self.tokens(ids) + self.positions(tf.range(tf.shape(ids)[-1]))


class AttentionMask(keras.layers.Layer):
    """(batch, length) padding mask of 1s and 0s -> the (batch, length, length) boolean
    mask ``MultiHeadAttention`` takes: every query attends to the unpadded keys."""

    def call(self, mask):
        keys = tf.cast(mask, tf.bool)[:, tf.newaxis, :]
        return tf.tile(keys, [1, tf.shape(mask)[1], 1])


class BooleanMask(keras.layers.Layer):
    """A 0/1 integer mask as booleans (what recurrent layers take as ``mask``)."""

    def call(self, mask):
        return tf.cast(mask, tf.bool)


class MaskedMean(keras.layers.Layer):
    """Mean over the sequence of the positions whose mask is 1."""

    def call(self, inputs):
        values, mask = inputs
        weights = tf.cast(mask, values.dtype)[:, :, tf.newaxis]
        return tf.reduce_sum(values * weights, axis=1) / tf.maximum(tf.reduce_sum(weights, axis=1), 1.0)


def transformer_encoder(vocab_size: int, max_length: int, width: int, heads: int, depth: int,
                        classes: int) -> keras.Model:
    """A post-norm Transformer encoder (BERT-style blocks: MultiHeadAttention with the
    padding mask, GELU feed-forward, LayerNormalization), mean-pooled over the unpadded
    tokens, with a classification head. Inputs ``input_ids`` and ``attention_mask``,
    both (batch, sequence) int32, of any sequence length up to ``max_length``."""
    ids = keras.Input((None,), dtype="int32", name="input_ids")
    mask = keras.Input((None,), dtype="int32", name="attention_mask")
    hidden = TokenAndPositionEmbedding(vocab_size, max_length, width)(ids)
    attention_mask = AttentionMask(name="padding_mask")(mask)
    for _ in range(depth):
        attended = keras.layers.MultiHeadAttention(heads, width // heads)(hidden, hidden, attention_mask=attention_mask)
        hidden = keras.layers.LayerNormalization(epsilon=1e-6)(keras.layers.Add()([hidden, attended]))
        expanded = keras.layers.Dense(4 * width, activation="gelu")(hidden)
        hidden = keras.layers.LayerNormalization(epsilon=1e-6)(
            keras.layers.Add()([hidden, keras.layers.Dense(width)(expanded)]))
    pooled = MaskedMean()([hidden, mask])
    return keras.Model([ids, mask], keras.layers.Dense(classes)(pooled))


def recurrent_classifier(cell: str, frames: int, features: int, units: int, classes: int) -> keras.Model:
    """Two stacked recurrent layers (``cell``: ``LSTM``, ``GRU`` or ``SimpleRNN``) over
    (batch, frames, features) audio-like features, the last state classified."""
    layer = getattr(keras.layers, cell)
    features_in = keras.Input((frames, features), name="features")
    hidden = layer(units, return_sequences=True)(features_in)
    hidden = layer(units)(hidden)
    return keras.Model(features_in, keras.layers.Dense(classes)(hidden))


def bidirectional_tagger(vocab_size: int, width: int, units: int, labels: int) -> keras.Model:
    """Token embedding, a bidirectional LSTM that skips the padded positions (the mask is
    given to it explicitly) and a classifier of each token into ``labels`` tags. Inputs ``input_ids`` and
    ``attention_mask``, (batch, sequence) int32."""
    ids = keras.Input((None,), dtype="int32", name="input_ids")
    mask = keras.Input((None,), dtype="int32", name="attention_mask")
    embedded = keras.layers.Embedding(vocab_size, width)(ids)
    hidden = keras.layers.Bidirectional(keras.layers.LSTM(units, return_sequences=True))(
        embedded, mask=BooleanMask(name="padding_mask")(mask))
    return keras.Model([ids, mask], keras.layers.Dense(labels)(hidden))


def keyword_spotter(frames: int, features: int, classes: int) -> keras.Model:
    """A 1-D CNN keyword spotter over (batch, frames, mel bins) log-mel features:
    Conv1D + BatchNormalization + ReLU blocks, max pooling, global average pooling."""
    features_in = keras.Input((frames, features), name="features")
    hidden = features_in
    for filters in (64, 64, 128):
        hidden = keras.layers.Conv1D(filters, 5, padding="same", use_bias=False)(hidden)
        hidden = keras.layers.BatchNormalization()(hidden)
        hidden = keras.layers.ReLU()(hidden)
        hidden = keras.layers.MaxPooling1D(2)(hidden)
    hidden = keras.layers.GlobalAveragePooling1D()(hidden)
    model = keras.Model(features_in, keras.layers.Dense(classes)(hidden))
    calibrate(model, tf.random.normal([8, frames, features]))
    return model


def calibrate(model: keras.Model, batch: tf.Tensor) -> None:
    """BatchNormalization moving statistics set to those of ``batch`` (one training-mode
    pass with momentum 0), as training would have left them."""
    norms = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    for norm in norms:
        norm.momentum = 0.0
    model(batch, training=True)
    for norm in norms:
        norm.momentum = 0.99
