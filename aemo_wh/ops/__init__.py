"""Running the product: the `aemo-wh run` service, `health`, the SQL shell launcher (`sql`) and
the deploy templates' rendering (`make deploy-files`). Standard library only at import time, so
`python3 -m aemo_wh.ops.deploy` works before `uv sync`."""
