module.exports = require("./host-guard").teardown;
