window.siteSearch.add("d/2",{"t":"The other guide","u":"/guide/other/","d":"A second guide article that shares the alpha tag and links back to the first.","s":"Guide","b":"Back to everything."});
