"""`python -m zoo.serve`: exported models behind TensorFlow Serving's REST API, with a page to try them.

- `models`: the served models, their versions (loaded as new ones appear) and signatures;
- `tensors`: a request's JSON (row or columnar form, `{"b64": ...}`) to arrays and outputs back to JSON;
- `protos`: the status and metadata answers, built from `tensorflow-serving-api`'s protos;
- `batching`: concurrent requests of one signature run as one batch;
- `app`: the HTTP routes (Starlette, served by uvicorn) and the page under `page/`.
"""
