# One image for every Shouwang service; docker-compose picks the module to run.

# Matching's linker compiled with mypyc (services/matching/src/matching/native.py), as
# `make setup` builds it: mypyc and a C compiler are needed only here, not in the image.
FROM python:3.11-slim AS linker
ENV UV_PROJECT_ENVIRONMENT=/opt/venv PATH=/opt/venv/bin:$PATH
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir uv==0.13.8
WORKDIR /app
COPY . /app
RUN uv sync --frozen && python -m matching.native build

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 UV_PROJECT_ENVIRONMENT=/opt/venv PATH=/opt/venv/bin:$PATH
RUN pip install --no-cache-dir uv==0.13.8
WORKDIR /app
COPY . /app
RUN uv sync --frozen --no-dev
# The compiled modules, their runtime library and the manifest of the sources they were built
# from (a module whose source differs is never used: the linker then runs interpreted).
COPY --from=linker /app/services/matching/src/ /app/services/matching/src/
RUN python -m matching.native status
EXPOSE 8101 8102 8103 8104 8105
CMD ["python", "-m", "agency_gateway", "serve"]
