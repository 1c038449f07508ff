FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# collectstatic needs settings to load; the real SECRET_KEY comes from the environment at run time.
RUN DEBUG=False SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput

EXPOSE 8000
CMD ["python", "-m", "smartqueue.server", "-b", "0.0.0.0", "-p", "8000", "smartqueue.asgi:application"]
