FROM alpine:3.20
RUN echo hi
\