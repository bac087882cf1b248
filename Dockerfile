# One image for every Shouwang service; docker-compose picks the module to run.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 UV_PROJECT_ENVIRONMENT=/opt/venv PATH=/opt/venv/bin:$PATH
RUN pip install --no-cache-dir uv==0.13.8
WORKDIR /app
COPY . /app
RUN uv sync --frozen --no-dev
EXPOSE 8101 8102 8103 8104 8105
CMD ["python", "-m", "agency_gateway", "serve"]
