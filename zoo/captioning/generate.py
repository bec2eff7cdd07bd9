"""Captions of images from a trained captioner: greedy or beam search over its image grid."""

from zoo.generation import decode_memory


def caption_ids_function(model, vocabulary, max_length, beam_width=1, length_penalty=0.0):
    """A function: float32 images (batch, size, size, 3) → caption ids (batch, max_length).

    `beam_width` 1 decodes greedily; more runs beam search and keeps the best beam.
    """
    encoder, decoder = model.get_layer("image_encoder"), model.get_layer("decoder")

    def caption_ids(images):
        memory = encoder(images, training=False)
        return decode_memory(decoder, memory, None, vocabulary, max_length, beam_width, length_penalty)

    return caption_ids
