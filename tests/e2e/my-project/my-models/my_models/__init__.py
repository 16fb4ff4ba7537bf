"""The models I ship, tracked in a set of their own: `--set mine`."""

from tracker.plugin import InputSpec, ModelCase, hookimpl

MINE = frozenset({"mine"})


@hookimpl
def register_models(register):
    register(ModelCase(
        id="my-scorer", framework="pytorch", builder="my_models.nets:Scorer", params={"features": 16},
        inputs=(InputSpec("x", (4, 16)),), sets=MINE, description="a two-layer MLP scoring 16 features",
    ))
    register(ModelCase(
        id="my-denoiser", framework="pytorch", builder="my_models.nets:Denoiser", params={"channels": 8},
        inputs=(InputSpec("image", (1, 3, 32, 32), kind="image"),), sets=MINE,
        description="a small convolutional denoiser with a resize",
    ))
