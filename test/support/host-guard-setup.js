module.exports = require("./host-guard").setup;
