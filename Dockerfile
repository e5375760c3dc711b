# One image for the API and the worker; the command chooses the role (`oms api` / `oms worker`).
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml ./
COPY . .
RUN pip install --no-cache-dir .
EXPOSE 8000
CMD ["oms", "api"]
