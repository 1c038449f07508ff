FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# collectstatic needs settings to load; the real SECRET_KEY comes from the environment at run time.
RUN DEBUG=False SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput
# The image is for production: off unless the environment turns it on, so a container started without
# settings refuses to start for want of a SECRET_KEY instead of serving the development key on 0.0.0.0.
ENV DEBUG=False
# Not root: a hole in any dependency gets a user that can write nothing of the app's code, settings or static files.
RUN useradd --system --uid 10001 --no-create-home smartqueue
USER smartqueue

EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 CMD ["python", "-m", "smartqueue.probe"]
CMD ["python", "-m", "smartqueue.server", "-b", "0.0.0.0", "-p", "8000", "smartqueue.asgi:application"]
