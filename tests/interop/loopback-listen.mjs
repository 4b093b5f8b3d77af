// Preloaded (node --import) into an npm reference server that takes only a PORT: binds it to 127.0.0.1
// instead of every interface, and prints "LISTENING http://127.0.0.1:PORT" on stderr once bound, so a
// test can start it on port 0 and learn the port without racing anything for a free one.
import net from "node:net";

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const port = args[0];
  if (typeof port === "number" || (typeof port === "string" && /^\d+$/.test(port))) {
    const rest = args.slice(1);
    if (typeof rest[0] === "string") {
      rest.shift();
    }

    args = [Number(port), "127.0.0.1", ...rest];
  }

  this.once("listening", () => {
    const address = this.address();
    if (address && typeof address === "object") {
      process.stderr.write(`LISTENING http://127.0.0.1:${address.port}\n`);
    }
  });
  return listen.apply(this, args);
};
