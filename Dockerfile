# blackbox: the whole stack in one container, from Debian 12, installed by the
# same script that `make run` and CI use.
FROM debian:12

WORKDIR /opt/blackbox

COPY scripts/install-deps.sh scripts/install-deps.sh
RUN scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*

COPY . .
RUN make

ENV BB_VAR=/var/lib/blackbox \
    BB_PUBLIC_HOST=0.0.0.0

VOLUME /var/lib/blackbox
EXPOSE 8080/tcp 9000/udp

CMD ["scripts/stack", "run"]
